// The orchestrator: from an issue to ranked, test-verified candidates. The baseline runs while the
// first samples are drawn; each sample is parsed, applied in a pooled worktree and tested as soon as it
// arrives, several at once. Aborting the signal (or reaching stopAfterVerified) stops drawing, kills
// the test runs in flight, and every worktree is removed before solve returns. The steps are named in
// their own files: solveRun (snapshot, pool, test set-up), baselineStep, reproStep, candidateStep,
// solveResult (ranking and the result).
import { existsSync } from 'node:fs';
import type { PromptTree } from '../../protocol/promptTree';
import type { SampleResult } from '../../protocol/sampling';
import { HydrapatchError, type ErrorData } from '../../protocol/errors';
import { reproLeafLabel } from '../repro/reproPrompt';
import { startBaseline } from './baselineStep';
import { buildSolvePrompt } from './buildPrompt';
import { candidateStep, type CandidateStep } from './candidateStep';
import { startReproChecks, type ReproStep } from './reproStep';
import { rankAndReport } from './solveResult';
import { emitProgress, openRun, prepareTests, since, track, type SolveRun } from './solveRun';
import { validateSolveOptions } from './validateOptions';
import { resumableFrom, resumedRepro, roundTree } from './resume';
import type { ResumableRun, SolveEvents, SolveOptions, SolveResult } from './types';

/** `resume`: draw options.n more samples into that finished run (same prompt, snapshot, baseline and tests) instead of starting one. */
export async function solve(options: SolveOptions, events: SolveEvents, signal: AbortSignal, resume?: ResumableRun): Promise<SolveResult> {
  validateSolveOptions(options);
  if (!existsSync(options.repoDir)) {
    throw new HydrapatchError('not_a_repo', `the folder ${options.repoDir} does not exist.`, 'Point --repo at the folder of a git repository.');
  }
  const started = performance.now();
  if (!resume) events.onPhase?.('context');
  const run = await openRun(options, events, resume);
  const onAbort = () => run.stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) run.stop.abort();
  try {
    const tests = await prepareTests(run);
    const wantRepro = resume ? resume.wantRepro : run.runTests && (options.reproTests?.n ?? 0) > 0;
    const baseline = startBaseline(run, tests, wantRepro);
    const repro = resume ? resumedRepro(resume.reproTests) : startReproChecks(run, tests, baseline.done, wantRepro);
    const candidates = candidateStep(run, tests, baseline.done, repro.done, wantRepro);

    // The context is gathered while the baseline runs; sampling starts once the tests are known to run.
    const tree = resume ? roundTree(resume.tree, options.n) : await buildSolvePrompt(options, events.onContext);
    await Promise.race([baseline.setupOk, baseline.done]);
    run.timings.contextMs = since(started);
    if (run.stop.signal.aborted && signal.aborted) throw new HydrapatchError('cancelled', 'the run was cancelled before sampling; nothing was judged.');
    const samplingFailed = await drawSamples(run, tree, repro, candidates);

    events.onPhase?.('verifying');
    const verifyingStarted = performance.now();
    const settled = await Promise.allSettled(run.inFlight);
    const baselineResult = await baseline.done;
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    run.timings.verifyingMs = since(verifyingStarted);

    const result = await rankAndReport(run, tests, {
      baseline: baselineResult, candidates, reproTests: await repro.done, wantRepro, cancelled: signal.aborted, started,
      ...(samplingFailed ? { samplingFailed } : {}),
    });
    events.onResumable?.(resumableFrom(run, tests, tree, result, wantRepro));
    events.onPhase?.('done', result.coverage.line);
    return result;
  } finally {
    run.stop.abort();
    signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(run.inFlight);
    await run.pool.dispose();
  }
}

/**
 * Draws the samples, handing each to its step as it arrives: test samples to the reproduction checks,
 * patches to the candidates. Returns why drawing stopped early when the backend failed after some
 * samples (those are still verified); a failure before any sample is thrown.
 */
async function drawSamples(run: SolveRun, tree: PromptTree, repro: ReproStep, candidates: CandidateStep): Promise<ErrorData | undefined> {
  const { options, events, stop, progress } = run;
  events.onPhase?.('sampling', options.source.description);
  const samplingStarted = performance.now();
  // A later round's samples are numbered after the earlier rounds' (the source numbers from 0).
  const onSample = (drawn: SampleResult) => {
    if (stop.signal.aborted) return;
    const sample = run.firstIndex === 0 ? drawn : { ...drawn, index: drawn.index + run.firstIndex };
    if (sample.label === reproLeafLabel) return repro.check(sample);
    progress.sampled++;
    events.onSample?.(sample);
    emitProgress(run);
    track(run, candidates.verify(sample));
  };
  let samplingFailed: ErrorData | undefined;
  try {
    // Seeds after every earlier round's: each backend derives sample i's randomness from (seed, i) or
    // seed + i, so the new samples repeat none of the earlier draws.
    const params = { ...options.sampleParams, seed: options.sampleParams.seed + run.firstIndex };
    await options.source.draw(tree, params, { onSample }, stop.signal);
  } catch (err) {
    // A backend that dies mid-run (a killed server) loses nothing already drawn: those samples are
    // verified and reported, with the reason the rest is missing.
    if (progress.sampled === 0) throw err;
    samplingFailed = HydrapatchError.from(err).toData();
    events.onWarning?.(samplingFailed);
  } finally {
    repro.drawEnded();
  }
  run.timings.samplingMs = since(samplingStarted);
  return samplingFailed;
}
