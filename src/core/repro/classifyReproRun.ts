// What one run of the tests, on the unmodified tree plus one placed reproduction test, says about that
// test. Its cases are the ones that fail now and did not fail in the baseline. A case counts only when
// it fails with an assertion, read from the runner's own report of that case: pytest's "FAILED id -
// message" summary and "E" lines, node:test's TAP block (name: 'AssertionError' / code:
// 'ERR_ASSERTION'), jest/vitest/mocha/spec text after the case's name. A file that fails before its
// tests run (pytest's collection error, node's failing file, jest's "Test suite failed to run") is a
// load error, never a reproduction.
import { posix } from 'node:path';
import type { Baseline, TestCaseResult } from '../testing/types';
import type { ReproDiscard } from './types';

export interface ReproRun {
  output: string;
  tests: TestCaseResult[];
  exitCode: number | null;
  timedOut: boolean;
  outputCapped: boolean;
}

export type ReproRunClass = { reproduces: true; failing: string[]; message: string } | { reproduces: false; discard: ReproDiscard; reason: string };

const assertionWords = /AssertionError|ERR_ASSERTION|^E\s+assert\b|\bexpect\(|\bexpected\b.*\bto (be|equal|deep|have|contain|throw)|\bassert(ion)?\b.*\bfailed\b/im;
const loadWords = /error during collection|ERROR collecting|Test suite failed to run|Failed to load|Cannot find module|ERR_MODULE_NOT_FOUND|SyntaxError|ModuleNotFoundError|ImportError|IndentationError/;
const errorLine = /(?:^|\s)((?:[A-Z]\w*)?(?:Error|Exception)\b(?: \[\w+\])?:?.*)$/m;

/** The error of a report in one line: TAP's name and error fields, pytest's first "E" line, or the first "…Error: …" line. */
function firstErrorLine(text: string): string {
  const tapError = /^\s*error: (?:\|-?\s*\n\s*)?'?(.+?)'?\s*$/m.exec(text)?.[1];
  const tapName = /^\s*name: '?(\w+)'?\s*$/m.exec(text)?.[1];
  const eLine = /^E\s+(\S.*)$/m.exec(text);
  const tap = tapError && tapError !== 'test failed' ? `${tapName ?? 'Error'}: ${tapError}` : undefined;
  const line = tap ?? eLine?.[1] ?? errorLine.exec(text)?.[1] ?? '';
  return line.trim().slice(0, 200);
}

/** The runner's report of one failing case: its pytest summary/section, its TAP block, or the text after its name. */
function caseReport(output: string, name: string): string {
  const pyId = name.includes('::') ? name : undefined;
  if (pyId) {
    const summary = new RegExp(`^(?:FAILED|ERROR) ${escape(pyId)} - (.*)$`, 'm').exec(output);
    if (summary) return summary[1];
    const fn = pyId.split('::').pop()!.replace(/\[.*$/, '');
    const section = new RegExp(`^_{3,} (?:\\S+\\.)?${escape(fn)}\\S* _{3,}$([\\s\\S]*?)(?=^_{3,} |^={3,})`, 'm').exec(output);
    if (section) return section[1];
  }
  const leaf = name.split(' > ').pop()!;
  const tap = new RegExp(`^(\\s*)not ok \\d+ - ${escape(leaf)}\\s*$`, 'm').exec(output);
  if (tap) {
    const rest = output.slice(tap.index + tap[0].length);
    const end = rest.search(new RegExp(`^${tap[1]}  \\.\\.\\.\\s*$`, 'm'));
    return end >= 0 ? rest.slice(0, end) : rest.slice(0, 2000);
  }
  const at = output.indexOf(leaf);
  if (at < 0) return '';
  // Up to the next test's status line (spec ✔/✖, TAP ok/not ok, jest ●, mocha's numbered failures).
  const rest = output.slice(at, at + 2000);
  const next = rest.slice(leaf.length).search(/\n\s*(?:✔|✖|√|×|ok \d|not ok \d|● |\d+\) )/);
  return next >= 0 ? rest.slice(0, leaf.length + next) : rest;
}

function isAssertion(report: string): boolean {
  const tapName = /^\s*name: '?(\w+)'?\s*$/m.exec(report)?.[1];
  const tapCode = /^\s*code: '?(\w+)'?\s*$/m.exec(report)?.[1];
  if (tapName || tapCode) return tapName === 'AssertionError' || tapCode === 'ERR_ASSERTION';
  return /^(assert\b|AssertionError)/.test(report.trim()) || assertionWords.test(report);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function classifyReproRun(run: ReproRun, baseline: Baseline, placedPath: string): ReproRunClass {
  if (run.timedOut || run.outputCapped) {
    return { reproduces: false, discard: 'error', reason: run.timedOut ? 'the run did not finish within the time limit' : 'the run printed more than the output cap' };
  }
  const known = new Set([...baseline.failing, ...baseline.flaky]);
  const before = new Set(baseline.run.tests.map((t) => t.name));
  const file = posix.basename(placedPath);
  const newlyFailing = run.tests.filter((t) => t.status === 'fail' && !known.has(t.name)).map((t) => t.name);
  // node:test names a file that throws while loading after the file itself (pytest ids name their file too: "file::case").
  const fileFailed = newlyFailing.filter((n) => n.includes(file) && !n.includes('::'));
  const cases = newlyFailing.filter((n) => !fileFailed.includes(n));
  const asserting = cases.filter((n) => isAssertion(caseReport(run.output, n)));
  if (asserting.length > 0) {
    const message = firstErrorLine(caseReport(run.output, asserting[0])) || caseReport(run.output, asserting[0]).trim().split('\n')[0].slice(0, 200);
    return { reproduces: true, failing: asserting.sort(), message };
  }
  const lostTests = baseline.run.tests.length > 0 && run.tests.length < baseline.run.tests.length / 2;
  if (fileFailed.length > 0 || (run.exitCode !== 0 && (lostTests || run.tests.length === 0 || cases.length === 0) && loadWords.test(run.output))) {
    return { reproduces: false, discard: 'load-error', reason: `it fails before its tests run: ${firstErrorLine(run.output) || 'the runner could not load it'}` };
  }
  if (cases.length > 0) {
    return { reproduces: false, discard: 'not-assertion', reason: `it fails with an error, not an assertion: ${firstErrorLine(caseReport(run.output, cases[0])) || cases[0]}` };
  }
  const ran = run.tests.some((t) => !before.has(t.name)) || run.tests.length > baseline.run.tests.length;
  if (ran) return { reproduces: false, discard: 'passes', reason: 'its tests pass on the unmodified tree, so it does not show the bug' };
  // A runner that names only failures (plain pytest) cannot show that the test ran: a clean run is a pass.
  if (run.exitCode === 0 && run.tests.length === 0) return { reproduces: false, discard: 'passes', reason: 'the tests pass on the unmodified tree with it, so it does not show the bug' };
  if (run.exitCode === 0) return { reproduces: false, discard: 'not-run', reason: `the test command did not run it (does it run only some files? ${placedPath} is where it was placed)` };
  return { reproduces: false, discard: 'load-error', reason: `the test command ran none of its tests${firstErrorLine(run.output) ? `: ${firstErrorLine(run.output)}` : ''}` };
}
