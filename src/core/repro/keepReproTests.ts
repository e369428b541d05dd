// One test sample, judged on the unmodified tree: parsed, placed under its reproduction path, run
// twice; kept when both runs fail in the same cases with an assertion. A sample already discarded by
// the first run is not run again.
import { realpathSync } from 'node:fs';
import type { Baseline } from '../testing/types';
import { parseTestOutput } from '../testing/parseTestOutput';
import { runCommand, type RunCommandOptions } from '../testing/runCommand';
import { classifyReproRun, type ReproRun } from './classifyReproRun';
import { parseReproTest } from './parseReproTest';
import { placeReproTest } from './placeReproTest';
import type { ReproTest } from './types';

export interface ReproCheck {
  index: number;
  text: string;
  /** An unmodified worktree, lent for the check; the caller resets it afterwards. */
  dir: string;
  baseline: Baseline;
  /** Runs the project's tests in `dir`, with the full output. */
  runTests(): Promise<ReproRun>;
}

export async function checkReproTest(check: ReproCheck): Promise<ReproTest> {
  const none = { index: check.index, kept: false, requestedPath: '', path: '', content: '', failing: [] };
  const parsed = parseReproTest(check.text);
  if ('reason' in parsed) return { ...none, discard: 'not-a-test', reason: parsed.reason };
  const placed = await placeReproTest(check.dir, parsed, check.index);
  if ('reason' in placed) return { ...none, requestedPath: parsed.path, discard: 'not-applied', reason: placed.reason };
  const base = { ...none, requestedPath: parsed.path, path: placed.path, content: placed.content };
  const first = classifyReproRun(await check.runTests(), check.baseline, placed.path);
  if (!first.reproduces) return { ...base, discard: first.discard, reason: first.reason };
  const second = classifyReproRun(await check.runTests(), check.baseline, placed.path);
  if (!second.reproduces || second.failing.join('\u0000') !== first.failing.join('\u0000')) {
    return { ...base, discard: 'unstable', reason: `the second run on the unmodified tree ${second.reproduces ? `failed in other cases (${second.failing.join(', ')})` : `did not fail the same way: ${second.reason}`}` };
  }
  return { ...base, kept: true, failing: first.failing, message: first.message };
}

/** One run of the project's tests for a reproduction check, keeping the whole output for classifyReproRun. */
export async function runForRepro(options: RunCommandOptions): Promise<ReproRun> {
  const outcome = await runCommand(options);
  let real = options.cwd;
  try {
    real = realpathSync(options.cwd);
  } catch {
    // a folder that is gone: the output names it as given, if at all
  }
  const parsed = parseTestOutput(outcome.output, options.cwd, real);
  // A run killed because the solve stopped is reported as unfinished: it says nothing about the test.
  return { output: outcome.output, tests: parsed.tests, exitCode: outcome.exitCode, timedOut: outcome.timedOut || outcome.cancelled, outputCapped: outcome.outputCapped };
}
