// The baseline: the tests on the unmodified tree, to know what fails before any candidate. A failing
// baseline is run again; a test whose outcome changes between runs is flaky and judged by no one. A run
// cut short by a cancel says nothing and is left out.
import type { Baseline, TestRunResult } from './types';
import { runTests, type RunTestsOptions } from './runTests';

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

/**
 * `checkFirst` sees the first run before any re-run and may throw (a command that cannot run is no
 * baseline); it is where the caller learns that the tests can run at all.
 */
export async function runBaseline(options: RunTestsOptions, reruns = 1, checkFirst?: (run: TestRunResult) => void): Promise<Baseline> {
  const first = await runTests(options);
  checkFirst?.(first);
  const runs = [first];
  for (let i = 0; !first.ok && i < reruns && !options.signal?.aborted; i++) {
    const again = await runTests(options);
    if (!again.cancelled) runs.push(again);
  }
  return baselineFromRuns(runs);
}
