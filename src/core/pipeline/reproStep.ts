// Reproduction tests (src/core/repro) drawn beside the patches: each test sample is checked on an
// unmodified worktree as it arrives; the kept ones are known once drawing has ended.
import type { SampleResult } from '../../protocol/sampling';
import { checkReproTest, runForRepro } from '../repro/keepReproTests';
import type { ReproTest } from '../repro/types';
import { declined, track, type SolveRun, type TestSetup } from './solveRun';
import type { Baseline } from '../testing/types';

export interface ReproStep {
  /** Checks a test sample (ignored when the solve draws no reproduction tests). */
  check(sample: SampleResult): void;
  /** Called once drawing has stopped: no test sample comes after. */
  drawEnded(): void;
  /** Every test sample checked, kept or discarded; empty without reproduction tests. */
  done: Promise<ReproTest[]>;
}

export function startReproChecks(run: SolveRun, tests: TestSetup, baselineDone: Promise<Baseline>, wanted: boolean): ReproStep {
  const { events, pool, stop } = run;
  const checks: Promise<ReproTest | undefined>[] = [];
  let drawEnded = () => {};
  const drawn = new Promise<void>((resolve) => (drawEnded = resolve));
  const done = wanted
    ? drawn.then(async () => {
      const checked = (await Promise.all(checks)).filter((t): t is ReproTest => t !== undefined);
      if (!checked.some((t) => t.kept) && (await baselineDone).failing.length === 0) {
        events.onWarning?.({ code: 'no_reproduction_test', message: `the tests pass on the unmodified tree and none of the ${checked.length} reproduction tests drawn fails there with an assertion, so no candidate can be verified.`, hint: 'See the discarded tests and their reasons; draw more (--repro-tests), or add a test that reproduces the issue.' });
      }
      return checked;
    })
    : Promise.resolve([]);
  track(run, done.then(() => undefined));
  const checkOne = async (sample: SampleResult): Promise<ReproTest | undefined> => {
    const baseline = await baselineDone;
    if (!run.runTests || stop.signal.aborted) return undefined;
    const wt = await pool.acquire();
    try {
      const runIt = () => runForRepro(tests.limits(wt.path));
      const checked = await tests.slot(() => checkReproTest({ index: sample.index, text: sample.text, dir: wt.path, baseline, runTests: runIt }));
      return stop.signal.aborted ? undefined : checked;
    } catch (err) {
      if (declined(run, err)) return undefined;
      throw err;
    } finally {
      await pool.release(wt);
    }
  };
  return {
    check: (sample) => {
      if (wanted) checks.push(checkOne(sample));
    },
    drawEnded,
    done,
  };
}
