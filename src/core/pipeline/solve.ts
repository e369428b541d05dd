// The orchestrator: from an issue to ranked, test-verified candidates. The baseline runs while the
// first samples are drawn; each sample is parsed, applied in a pooled worktree and tested as soon as it
// arrives, several at once. Aborting the signal (or reaching stopAfterVerified) stops drawing, kills
// the test runs in flight, and every worktree is removed before solve returns.
import { basename, join } from 'node:path';
import type { SampleResult } from '../../protocol/sampling';
import { HydrapatchError, type ErrorData } from '../../protocol/errors';
import { createEarlyStop } from '../coverage/earlyStop';
import { summarizeCoverage } from '../coverage/summarizeCoverage';
import { rankCandidates } from '../rank/rankCandidates';
import { sandboxLauncher } from '../sandbox/sandboxLauncher';
import { runBaseline } from '../testing/baseline';
import { detectTestCommand } from '../testing/detectTestCommand';
import { judge } from '../testing/judge';
import { killRecordedRuns } from '../testing/killTree';
import { runTests } from '../testing/runTests';
import { resolveLinkPaths } from '../worktree/linkPaths';
import { WorktreePool } from '../worktree/pool';
import { createRunDir, pruneDeadRuns } from '../worktree/runDir';
import { snapshot } from '../worktree/snapshot';
import { keepWorktree } from '../worktree/keep';
import { buildSolvePrompt } from './buildPrompt';
import { createLimiter } from './limiter';
import { applyInWorktree, parseSample } from './candidateApply';
import { validateSolveOptions } from './validateOptions';
import type { FileChange } from '../edits/editTypes';
import type { Baseline, CandidateResult, SolveEvents, SolveOptions, SolveProgress, SolveResult, TestRunResult } from './types';

/** The baseline of a solve that runs no tests (an untrusted folder): nothing known to fail. */
function untestedBaseline(command: string): Baseline {
  const run: TestRunResult = {
    command, exitCode: null, signal: null, timedOut: false, outputCapped: false, durationMs: 0,
    format: 'exit-code', tests: [], ok: false, outputTail: '', sandbox: 'none',
  };
  return { run, failing: [], flaky: [] };
}

export async function solve(options: SolveOptions, events: SolveEvents, signal: AbortSignal): Promise<SolveResult> {
  validateSolveOptions(options);
  const started = performance.now();
  // Cleared when the user declines to run tests without a sandbox: the solve goes on untested.
  let runTestsToo = options.runTests !== false;
  let testsNotRun: ErrorData | undefined;
  const declined = (err: unknown): boolean => {
    if (!(err instanceof HydrapatchError && err.code === 'sandbox-consent-refused')) return false;
    if (runTestsToo) {
      runTestsToo = false;
      testsNotRun = err.toData();
      events.onWarning?.({ ...testsNotRun, message: `${testsNotRun.message}; the candidates are shown untested` });
    }
    return true;
  };
  events.onPhase?.('context');
  const snap = await snapshot(options.repoDir);
  // Test runs an interrupted solve left running are killed before its worktrees are removed.
  await pruneDeadRuns(snap.root, killRecordedRuns);
  const runDir = await createRunDir(snap.root);
  const linkPaths = await resolveLinkPaths(snap.root, options.linkPaths);
  // One worktree more than the test parallelism: the baseline runs while candidates start.
  const pool = new WorktreePool({ repoRoot: snap.root, commit: snap.commit, runDir, size: options.parallelTests + 1, linkPaths });
  const stop = new AbortController();
  const inFlight: Promise<void>[] = [];
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  try {
    const testCommand = options.testCommand ?? (runTestsToo ? await detectTestCommand(snap.root) : '');
    const allow = options.allowUnsandboxed;
    const launcher = sandboxLauncher({
      policy: { mode: options.sandbox, ...(allow ? { consent: () => allow() } : {}) },
      // Dependencies linked into the worktree stay readable; the other worktrees and the user's checkout are hidden.
      readOnly: linkPaths.map((p) => join(snap.root, p)),
      hidden: [snap.root, runDir],
    });
    const limits = { timeoutMs: options.testTimeoutMs, outputCapBytes: options.outputCapBytes, launcher, recordDir: runDir };

    const progress: SolveProgress = { total: options.n, sampled: 0, applied: 0, tested: 0, passing: 0, finished: 0 };
    const emitProgress = () => events.onProgress?.({ ...progress });

    // Baseline and candidate runs share the parallelism limit; candidates are tested while the baseline
    // still runs and judged once it is known.
    const testSlot = createLimiter(options.parallelTests);
    let baselineDone: Promise<Baseline>;
    if (runTestsToo) {
      events.onPhase?.('baseline', testCommand);
      baselineDone = (async () => {
        const wt = await pool.acquire();
        try {
          // One slot for all baseline runs, so that no candidate run slips in between them.
          let b: Baseline;
          try {
            b = await testSlot(() => runBaseline({ command: testCommand, cwd: wt.path, ...limits, signal: stop.signal }), true);
          } catch (err) {
            if (declined(err)) return untestedBaseline(testCommand);
            throw err;
          }
          if (b.run.timedOut || b.run.outputCapped) {
            throw new HydrapatchError(
              'baseline-failed',
              `the tests did not finish on the unmodified tree (${b.run.timedOut ? `time limit of ${options.testTimeoutMs} ms` : `output over ${options.outputCapBytes} bytes`}).`,
              'Raise --timeout, or pass a narrower --test command that runs only the relevant tests.',
            );
          }
          if (b.failing.length === 0) {
            events.onWarning?.({ code: 'baseline-passes', message: 'the tests pass on the unmodified tree, so no candidate can fix a failing test.', hint: 'Add a test that reproduces the issue, or pass a --test command that runs it.' });
          }
          events.onBaseline?.(b);
          return b;
        } finally {
          await pool.release(wt);
        }
      })();
    } else {
      baselineDone = Promise.resolve(untestedBaseline(testCommand));
    }
    // A failed baseline stops the solve; the rejection is read after drawing stops. It is in flight
    // like the candidates, so that nothing removes its worktree while it still runs.
    baselineDone.catch(() => stop.abort());
    inFlight.push(baselineDone.then(() => undefined));

    const early = createEarlyStop(options.stopAfterVerified);
    const candidates: CandidateResult[] = [];
    const texts = new Map<number, string>();
    const runsByDiff = new Map<string, Promise<TestRunResult | undefined>>();
    // A run killed because the solve stopped says nothing about the candidate; it is left out.
    const wasCancelled = (r: TestRunResult) => r.cancelled === true;

    const record = (c: CandidateResult, changes: FileChange[] = []) => {
      candidates.push(c);
      progress.finished = candidates.length;
      if (c.apply.status === 'clean' || c.apply.status === 'fuzzy') progress.applied++;
      if (c.test) progress.tested++;
      if (c.verdict === 'verified') progress.passing++;
      if (changes.length > 0) events.onCandidateFiles?.(c.index, changes);
      events.onCandidate?.(c);
      emitProgress();
      if (early.record(c.verdict)) stop.abort();
    };

    const processSample = async (sample: SampleResult) => {
      const base = { index: sample.index, ...(sample.label === undefined ? {} : { label: sample.label }), fixed: [], broken: [], group: null, rank: null };
      const parsed = parseSample(sample.text);
      if (parsed.rejected) return record({ ...base, apply: parsed.rejected, diff: '', verdict: 'not-applied' });
      const wt = await pool.acquire();
      let applied: Pick<CandidateResult, 'apply' | 'diff'> | undefined;
      let changes: FileChange[] | undefined;
      let sameRun: Promise<TestRunResult | undefined> | undefined;
      let result: TestRunResult | undefined;
      try {
        if (stop.signal.aborted) return;
        const done = await applyInWorktree(wt.path, parsed.edits);
        applied = { apply: done.apply, diff: done.diff };
        changes = done.changes;
        if (applied.apply.status !== 'clean' && applied.apply.status !== 'fuzzy') {
          return record({ ...base, apply: applied.apply, diff: '', verdict: 'not-applied' });
        }
        if (!runTestsToo) return record({ ...base, ...applied, verdict: 'no-fix' }, changes);
        sameRun = runsByDiff.get(applied.diff);
        if (!sameRun) {
          // A declined consent makes the run (and every run waiting on it) undefined: the candidate goes untested.
          const run = testSlot(() => runTests({ command: testCommand, cwd: wt.path, ...limits, signal: stop.signal })).catch((err: unknown) => {
            if (declined(err)) return undefined;
            throw err;
          });
          runsByDiff.set(applied.diff, run);
          result = await run;
        }
      } finally {
        await pool.release(wt);
      }
      // The same patch as one tested already: that run is the answer, awaited without holding a worktree.
      result ??= await sameRun;
      const baseline = await baselineDone;
      if (!runTestsToo) return record({ ...base, ...applied, verdict: 'no-fix' }, changes);
      if (!result || wasCancelled(result)) return;
      record({ ...base, ...applied, test: result, ...judge(result, baseline) }, changes);
    };

    // The context is gathered while the baseline runs.
    const tree = await buildSolvePrompt(options, events.onContext);
    events.onPhase?.('sampling', options.source.description);
    const onSample = (sample: SampleResult) => {
      if (stop.signal.aborted) return;
      progress.sampled++;
      texts.set(sample.index, sample.text);
      events.onSample?.(sample);
      emitProgress();
      inFlight.push(processSample(sample));
    };
    await options.source.draw(tree, options.sampleParams, { onSample }, stop.signal);
    events.onPhase?.('verifying');
    const settled = await Promise.allSettled(inFlight);
    const baseline = await baselineDone;
    for (const s of settled) if (s.status === 'rejected') throw s.reason;

    events.onPhase?.('ranking');
    candidates.sort((a, b) => a.index - b.index);
    const ranking = rankCandidates(candidates);
    const ranked = ranking.candidates;
    const kept = await keepBest(options, snap.root, snap.commit, ranking.groups, texts);
    for (const c of ranked) if (kept.has(c.index)) c.worktree = kept.get(c.index);
    const best = ranking.groups[0];
    const result: SolveResult = {
      candidates: ranked,
      groups: ranking.groups,
      baseline,
      coverage: summarizeCoverage(candidates.length, early.verified),
      prediction: best && best.verdict === 'verified'
        ? { instance_id: options.instanceId ?? basename(snap.root), model_name_or_path: options.source.description, model_patch: best.diff }
        : null,
      testCommand,
      ...(testsNotRun ? { testsNotRun } : {}),
      sandbox: baseline.run.sandbox,
      source: options.source.description,
      stoppedEarly: stop.signal.aborted || candidates.length < options.n,
      durationMs: Math.round(performance.now() - started),
    };
    events.onPhase?.('done', result.coverage.line);
    return result;
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(inFlight);
    await pool.dispose();
  }
}

/** Worktrees of the best K groups' representatives, applied afresh, kept for the user to look at. */
async function keepBest(
  options: SolveOptions,
  root: string,
  commit: string,
  groups: { representative: number }[],
  texts: Map<number, string>,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const g of groups.slice(0, options.keepWorktrees ?? 0)) {
    const text = texts.get(g.representative);
    if (text === undefined) continue;
    out.set(g.representative, await keepWorktree(root, commit, `sample-${g.representative}`, async (dir) => {
      await applyInWorktree(dir, parseSample(text).edits);
    }));
  }
  return out;
}
