// The baseline: the tests on the unmodified snapshot, run while the prompt's context is gathered. Its
// first run decides whether sampling starts at all (the tests must be able to run); the rest judges
// every candidate against it.
import { HydrapatchError } from '../../protocol/errors';
import { runBaseline } from '../testing/baseline';
import { checkTestSetup } from '../testing/setupProblem';
import { declined, since, track, type SolveRun, type TestSetup } from './solveRun';
import type { Baseline, TestRunResult } from '../testing/types';

export interface BaselineStep {
  /** The baseline; rejects (and stops the solve) when the tests cannot run on the unmodified tree. */
  done: Promise<Baseline>;
  /** Resolves once the first run shows the tests can run: no sample is drawn before. */
  setupOk: Promise<void>;
}

/** The baseline of a solve that runs no tests (an untrusted folder): nothing known to fail. */
function untestedBaseline(command: string): Baseline {
  const run: TestRunResult = {
    command, exitCode: null, signal: null, timedOut: false, outputCapped: false, durationMs: 0,
    format: 'exit-code', tests: [], ok: false, outputTail: '', sandbox: 'none',
  };
  return { run, failing: [], flaky: [] };
}

const cancelled = () => new HydrapatchError('cancelled', 'the run was cancelled before the baseline finished; nothing was judged.');

export function startBaseline(run: SolveRun, tests: TestSetup, wantRepro: boolean): BaselineStep {
  const { options, events, pool } = run;
  let setupChecked = () => {};
  const setupOk = new Promise<void>((resolve) => (setupChecked = resolve));
  let done: Promise<Baseline>;
  if (run.resume) {
    // A later round of the run: judged against the first round's baseline, which is not run again.
    done = Promise.resolve(run.resume.baseline);
    setupChecked();
  } else if (run.runTests) {
    events.onPhase?.('baseline', tests.detected ? `${tests.command} (detected: ${tests.detected.reason})` : tests.command);
    const started = performance.now();
    done = (async () => {
      const wt = await pool.acquire();
      try {
        // One slot for all baseline runs, so that no candidate run slips in between them.
        let b: Baseline;
        try {
          b = await tests.slot(() => runBaseline(tests.limits(wt.path), 1, (first) => {
            if (first.cancelled) throw cancelled();
            if (first.timedOut || first.outputCapped) {
              throw new HydrapatchError(
                'baseline_failed',
                `the tests did not finish on the unmodified tree (${first.timedOut ? `time limit of ${options.testTimeoutMs} ms` : `output over ${options.outputCapBytes} bytes`}). Nothing was sampled.`,
                'Raise --timeout, or pass a narrower --test command that runs only the relevant tests.',
              );
            }
            checkTestSetup(first, run.snap.root);
            setupChecked();
          }), true);
        } catch (err) {
          if (declined(run, err)) {
            setupChecked();
            return untestedBaseline(tests.command);
          }
          throw err;
        }
        if (b.run.cancelled) throw cancelled();
        run.timings.baselineMs = since(started);
        if (b.failing.length === 0 && !wantRepro) {
          events.onWarning?.({ code: 'baseline_passes', message: 'the tests PASS on the unmodified tree, so no candidate can be verified (there is no failing test to fix).', hint: 'Add a test that reproduces the issue, or pass a --test command that runs it.' });
        }
        events.onBaseline?.(b);
        return b;
      } finally {
        await pool.release(wt);
      }
    })();
  } else {
    done = Promise.resolve(untestedBaseline(tests.command));
    setupChecked();
  }
  // A failed baseline stops the solve; the rejection is read after drawing stops. It is in flight
  // like the candidates, so that nothing removes its worktree while it still runs.
  done.catch(() => run.stop.abort());
  track(run, done.then(() => undefined));
  return { done, setupOk };
}
