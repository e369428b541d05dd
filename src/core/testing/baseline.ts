// The baseline: the tests on the unmodified tree, to know what fails before any candidate. A failing
// baseline is run again; a test whose outcome changes between runs is flaky and judged by no one.
import type { Baseline, TestRunResult } from '../pipeline/types';
import { runTests } from './runTests';
import type { RunCommandOptions } from './runCommand';

/** Stands for the whole run when the output names no tests (only the exit code is known). */
export const wholeRun = '(whole run)';

export function failingNames(run: TestRunResult): string[] {
  if (run.tests.length === 0) return run.ok ? [] : [wholeRun];
  return run.tests.filter((t) => t.status === 'fail').map((t) => t.name);
}

export function baselineFromRuns(runs: TestRunResult[]): Baseline {
  const failingSets = runs.map((r) => new Set(failingNames(r)));
  const everFailing = new Set(failingSets.flatMap((s) => [...s]));
  const failing = [...everFailing].filter((n) => failingSets.every((s) => s.has(n)));
  const flaky = [...everFailing].filter((n) => !failing.includes(n));
  return { run: runs[0], failing: failing.sort(), flaky: flaky.sort() };
}

export async function runBaseline(options: RunCommandOptions, reruns = 1): Promise<Baseline> {
  const runs = [await runTests(options)];
  if (!runs[0].ok) for (let i = 0; i < reruns && !options.signal?.aborted; i++) runs.push(await runTests(options));
  return baselineFromRuns(runs);
}
