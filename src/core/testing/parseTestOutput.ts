// Reads per-test results out of a run's output, whichever format it is in: every parser is tried and
// the one that recognises the most tests wins. Paths of the worktree are replaced by '.' first, so
// names (node prints file paths) are the same in every worktree and in the baseline.
import type { TestCaseResult, TestFormat } from './types';
import { parseAva } from './parse/ava';
import { parseCargo } from './parse/cargo';
import { parseGoTest } from './parse/goTest';
import { parseJunit } from './parse/junit';
import { parseNodeSpec } from './parse/nodeSpec';
import { parsePytest } from './parse/pytest';
import { parseTap } from './parse/tap';
import { parseUnittest } from './parse/unittest';

const parsers: [TestFormat, (output: string) => TestCaseResult[]][] = [
  ['tap', parseTap],
  ['node-spec', parseNodeSpec],
  ['junit', parseJunit],
  ['pytest', parsePytest],
  ['unittest', parseUnittest],
  ['go', parseGoTest],
  ['cargo', parseCargo],
  ['ava', parseAva],
];

export interface ParsedTests {
  format: TestFormat;
  tests: TestCaseResult[];
}

/** Repeated names (a test printed twice) keep the worst status, so a failure is never hidden. */
function dedupe(tests: TestCaseResult[]): TestCaseResult[] {
  const order = { fail: 2, pass: 1, skip: 0 } as const;
  const byName = new Map<string, TestCaseResult>();
  for (const t of tests) {
    const seen = byName.get(t.name);
    if (!seen || order[t.status] > order[seen.status]) byName.set(t.name, t);
  }
  return [...byName.values()];
}

/** `roots`: the worktree's path as given and as resolved (they differ where the temp folder is a symlink). */
export function parseTestOutput(output: string, ...roots: string[]): ParsedTests {
  let text = output;
  for (const root of [...new Set(roots)].sort((a, b) => b.length - a.length)) if (root.length > 1) text = text.split(root).join('.');
  let best: ParsedTests = { format: 'exit-code', tests: [] };
  for (const [format, parse] of parsers) {
    const tests = dedupe(parse(text));
    if (tests.length > best.tests.length) best = { format, tests };
  }
  return best;
}
