// The orchestrator: from an issue to ranked, test-verified candidates. The baseline runs while the
// first samples are drawn; each sample is parsed, applied in a pooled worktree and tested as soon as it
// arrives, several at once. Aborting the signal (or reaching stopAfterVerified) stops drawing, kills
// the test runs in flight, and every worktree is removed before solve returns.
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
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
import { checkTestSetup } from '../testing/setupProblem';
import { testFileGuard, type TestFileGuard } from '../testing/testFiles';
import { runTests } from '../testing/runTests';
import { linkInto, resolveLinkPaths } from '../worktree/linkPaths';
import { WorktreePool } from '../worktree/pool';
import { createRunDir, pruneDeadRuns } from '../worktree/runDir';
import { snapshot } from '../worktree/snapshot';
import { keepWorktree } from '../worktree/keep';
import { buildSolvePrompt } from './buildPrompt';
import { checkReproTest, runForRepro } from '../repro/keepReproTests';
import { judgeWithRepro } from '../repro/judgeWithRepro';
import { writeReproTest } from '../repro/placeReproTest';
import { reproLeafLabel } from '../repro/reproPrompt';
import type { ReproTest } from '../repro/types';
import { createLimiter } from './limiter';
import { applyInWorktree, parseSample, type AppliedCandidate } from './candidateApply';
import { validateSolveOptions } from './validateOptions';
import type { FileChange } from '../edits/editTypes';
import type { Baseline, TestRunResult } from '../testing/types';
import type { CandidateResult, PhaseTimings, SolveEvents, SolveOptions, SolveProgress, SolveResult } from './types';

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
  if (!existsSync(options.repoDir)) {
    throw new HydrapatchError('not_a_repo', `the folder ${options.repoDir} does not exist.`, 'Point --repo at the folder of a git repository.');
  }
  const started = performance.now();
  const timings: PhaseTimings = { contextMs: 0, baselineMs: 0, samplingMs: 0, verifyingMs: 0, rankingMs: 0 };
  const since = (t: number) => Math.round(performance.now() - t);
  // Cleared when the user declines to run tests without a sandbox: the solve goes on untested.
  let runTestsToo = options.runTests !== false;
  let testsNotRun: ErrorData | undefined;
  const declined = (err: unknown): boolean => {
    if (!(err instanceof HydrapatchError && err.code === 'sandbox_consent_refused')) return false;
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
  // Their failures are read once drawing stops; until then a rejection must not count as unhandled
  // (which would end the process with a stack trace).
  const track = (p: Promise<void>) => {
    p.catch(() => undefined);
    inFlight.push(p);
  };
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  try {
    const detected = options.testCommand === undefined && runTestsToo ? await detectTestCommand(snap.root) : undefined;
    const testCommand = options.testCommand ?? detected?.command ?? '';
    const detectedReason = detected?.reason ?? '';
    const guard = await testFileGuard(snap.root, testCommand);
    // Each worktree's runner reports go to a folder beside it, outside the tree the candidate changed.
    const reportDirFor = (cwd: string) => join(runDir, 'reports', basename(cwd));
    const allow = options.allowUnsandboxed;
    const launcher = sandboxLauncher({
      policy: { mode: options.sandbox, ...(allow ? { consent: () => allow() } : {}) },
      // Dependencies linked into the worktree stay readable; the other worktrees and the user's checkout are hidden.
      readOnly: await Promise.all(linkPaths.map((p) => realpath(join(snap.root, p)).catch(() => join(snap.root, p)))),
      hidden: [snap.root, runDir],
      parallelRuns: options.parallelTests,
      writableFor: (cwd) => [cwd, reportDirFor(cwd)],
    });
    const limits = (cwd: string) => ({
      command: testCommand, cwd, reportDir: reportDirFor(cwd), timeoutMs: options.testTimeoutMs, outputCapBytes: options.outputCapBytes, launcher, recordDir: runDir, signal: stop.signal,
    });

    const progress: SolveProgress = { total: options.n, sampled: 0, applied: 0, tested: 0, passing: 0, finished: 0 };
    const emitProgress = () => events.onProgress?.({ ...progress });

    // Baseline and candidate runs share the parallelism limit; candidates are tested while the baseline
    // still runs and judged once it is known.
    const testSlot = createLimiter(options.parallelTests);
    const wantRepro = runTestsToo && (options.reproTests?.n ?? 0) > 0;
    let baselineDone: Promise<Baseline>;
    // Resolves once the first baseline run shows the tests can run: no sample is drawn before.
    let setupChecked = () => {};
    const setupOk = new Promise<void>((resolve) => (setupChecked = resolve));
    if (runTestsToo) {
      events.onPhase?.('baseline', detected ? `${testCommand} (detected: ${detected.reason})` : testCommand);
      const baselineStarted = performance.now();
      baselineDone = (async () => {
        const wt = await pool.acquire();
        try {
          // One slot for all baseline runs, so that no candidate run slips in between them.
          let b: Baseline;
          try {
            b = await testSlot(() => runBaseline(limits(wt.path), 1, (first) => {
              if (first.cancelled) throw new HydrapatchError('cancelled', 'the run was cancelled before the baseline finished; nothing was judged.');
              if (first.timedOut || first.outputCapped) {
                throw new HydrapatchError(
                  'baseline_failed',
                  `the tests did not finish on the unmodified tree (${first.timedOut ? `time limit of ${options.testTimeoutMs} ms` : `output over ${options.outputCapBytes} bytes`}). Nothing was sampled.`,
                  'Raise --timeout, or pass a narrower --test command that runs only the relevant tests.',
                );
              }
              checkTestSetup(first, snap.root);
              setupChecked();
            }), true);
          } catch (err) {
            if (declined(err)) {
              setupChecked();
              return untestedBaseline(testCommand);
            }
            throw err;
          }
          if (b.run.cancelled) throw new HydrapatchError('cancelled', 'the run was cancelled before the baseline finished; nothing was judged.');
          timings.baselineMs = since(baselineStarted);
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
      baselineDone = Promise.resolve(untestedBaseline(testCommand));
      setupChecked();
    }
    // A failed baseline stops the solve; the rejection is read after drawing stops. It is in flight
    // like the candidates, so that nothing removes its worktree while it still runs.
    baselineDone.catch(() => stop.abort());
    track(baselineDone.then(() => undefined));

    // Reproduction tests (src/core/repro) are checked on unmodified worktrees as they arrive; with them,
    // candidates are tested once every test sample is known, so that all run the same kept tests.
    const reproChecks: Promise<ReproTest | undefined>[] = [];
    let drawEnded = () => {};
    const drawn = new Promise<void>((resolve) => (drawEnded = resolve));
    const reproDone = wantRepro
      ? drawn.then(async () => {
        const tests = (await Promise.all(reproChecks)).filter((t): t is ReproTest => t !== undefined);
        if (!tests.some((t) => t.kept) && (await baselineDone).failing.length === 0) {
          events.onWarning?.({ code: 'no_reproduction_test', message: `the tests pass on the unmodified tree and none of the ${tests.length} reproduction tests drawn fails there with an assertion, so no candidate can be verified.`, hint: 'See the discarded tests and their reasons; draw more (--repro-tests), or add a test that reproduces the issue.' });
        }
        return tests;
      })
      : Promise.resolve([]);
    track(reproDone.then(() => undefined));
    const checkRepro = async (sample: SampleResult): Promise<ReproTest | undefined> => {
      const baseline = await baselineDone;
      if (!runTestsToo || stop.signal.aborted) return undefined;
      const wt = await pool.acquire();
      try {
        const run = () => runForRepro(limits(wt.path));
        const checked = await testSlot(() => checkReproTest({ index: sample.index, text: sample.text, dir: wt.path, baseline, runTests: run }));
        return stop.signal.aborted ? undefined : checked;
      } catch (err) {
        if (declined(err)) return undefined;
        throw err;
      } finally {
        await pool.release(wt);
      }
    };

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
      const kept = (await reproDone).filter((t) => t.kept);
      const wt = await pool.acquire();
      let applied: AppliedCandidate | undefined;
      let sameRun: Promise<TestRunResult | undefined> | undefined;
      let result: TestRunResult | undefined;
      try {
        if (stop.signal.aborted) return;
        applied = await applyInWorktree(wt.path, parsed.edits, guard, options.allowTestEdits === true);
        if (applied.apply.status !== 'clean' && applied.apply.status !== 'fuzzy') {
          return record({ ...base, apply: applied.apply, diff: '', verdict: 'not-applied' });
        }
        // Only the user's tests changed: nothing of the candidate is left to judge.
        if (applied.diff === '') {
          return record({ ...base, ...candidateFields(applied), apply: { ...applied.apply, reason: `edits only tests (${applied.testFiles.join(', ')}); test edits are not applied` }, verdict: 'no-fix' });
        }
        if (!runTestsToo) return record({ ...base, ...candidateFields(applied), verdict: 'no-fix' }, applied.changes);
        sameRun = runsByDiff.get(applied.diff);
        if (!sameRun) {
          // Hydrapatch's own tests go in after the candidate's edits, under names no candidate file has.
          for (const t of kept) await writeReproTest(wt.path, t);
          // A declined consent makes the run (and every run waiting on it) undefined: the candidate goes untested.
          const run = testSlot(() => runTests(limits(wt.path))).catch((err: unknown) => {
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
      if (!runTestsToo) return record({ ...base, ...candidateFields(applied), verdict: 'no-fix' }, applied.changes);
      if (!result || wasCancelled(result)) return;
      record({ ...base, ...candidateFields(applied), test: result, ...(wantRepro ? judgeWithRepro(result, baseline, kept, options.reproTests?.quorum) : judge(result, baseline)) }, applied.changes);
    };

    // The context is gathered while the baseline runs; sampling starts once the tests are known to run.
    const tree = await buildSolvePrompt(options, events.onContext);
    await Promise.race([setupOk, baselineDone]);
    timings.contextMs = since(started);
    if (stop.signal.aborted && signal.aborted) throw new HydrapatchError('cancelled', 'the run was cancelled before sampling; nothing was judged.');
    events.onPhase?.('sampling', options.source.description);
    const samplingStarted = performance.now();
    const onSample = (sample: SampleResult) => {
      if (stop.signal.aborted) return;
      if (sample.label === reproLeafLabel) {
        if (wantRepro) reproChecks.push(checkRepro(sample));
        return;
      }
      progress.sampled++;
      texts.set(sample.index, sample.text);
      events.onSample?.(sample);
      emitProgress();
      track(processSample(sample));
    };
    let samplingFailed: ErrorData | undefined;
    try {
      await options.source.draw(tree, options.sampleParams, { onSample }, stop.signal);
    } catch (err) {
      // A backend that dies mid-run (a killed server) loses nothing already drawn: those samples are
      // verified and reported, with the reason the rest is missing.
      if (progress.sampled === 0) throw err;
      samplingFailed = HydrapatchError.from(err).toData();
      events.onWarning?.(samplingFailed);
    } finally {
      drawEnded();
    }
    timings.samplingMs = since(samplingStarted);
    events.onPhase?.('verifying');
    const verifyingStarted = performance.now();
    const settled = await Promise.allSettled(inFlight);
    const baseline = await baselineDone;
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    timings.verifyingMs = since(verifyingStarted);

    events.onPhase?.('ranking');
    const rankingStarted = performance.now();
    candidates.sort((a, b) => a.index - b.index);
    const ranking = rankCandidates(candidates);
    const ranked = ranking.candidates;
    const kept = await keepBest(options, snap.root, snap.commit, ranking.groups, texts, guard, linkPaths);
    for (const c of ranked) if (kept.has(c.index)) c.worktree = kept.get(c.index);
    const best = ranking.groups[0];
    timings.rankingMs = since(rankingStarted);
    const reproTests = await reproDone;
    const keptRepro = reproTests.some((t) => t.kept);
    const result: SolveResult = {
      candidates: ranked,
      groups: ranking.groups,
      baseline,
      coverage: summarizeCoverage(candidates.length, early.verified, keptRepro ? (baseline.failing.length > 0 ? 'both' : 'reproduction-tests') : undefined),
      prediction: best && best.verdict === 'verified'
        ? { instance_id: options.instanceId ?? basename(snap.root), model_name_or_path: options.source.description, model_patch: best.diff }
        : null,
      testCommand,
      ...(options.testCommand === undefined && runTestsToo ? { testCommandReason: detectedReason } : {}),
      judgedByExitCodeOnly: runTestsToo && !testsNotRun && baseline.run.format === 'exit-code',
      ...(wantRepro ? { reproTests } : {}),
      ...(testsNotRun ? { testsNotRun } : {}),
      cancelled: signal.aborted,
      timings,
      sandbox: baseline.run.sandbox,
      source: options.source.description,
      stoppedEarly: stop.signal.aborted || candidates.length < options.n,
      ...(samplingFailed ? { samplingFailed } : {}),
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

/** The candidate's part of an applied result: the diff judged and the test files it touched. */
function candidateFields(a: AppliedCandidate): Pick<CandidateResult, 'apply' | 'diff'> & Partial<Pick<CandidateResult, 'editsTests'>> {
  return { apply: a.apply, diff: a.diff, ...(a.testFiles.length > 0 ? { editsTests: a.testFiles } : {}) };
}

/** Worktrees of the best K groups' representatives, applied afresh, kept for the user to look at. */
async function keepBest(
  options: SolveOptions,
  root: string,
  commit: string,
  groups: { representative: number }[],
  texts: Map<number, string>,
  guard: TestFileGuard,
  linkPaths: string[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const g of groups.slice(0, options.keepWorktrees ?? 0)) {
    const text = texts.get(g.representative);
    if (text === undefined) continue;
    out.set(g.representative, await keepWorktree(root, commit, `sample-${g.representative}`, async (dir) => {
      await applyInWorktree(dir, parseSample(text).edits, guard, options.allowTestEdits === true);
      // A kept worktree is runnable: the same dependencies as the runs had.
      await linkInto(root, dir, linkPaths);
    }));
  }
  return out;
}
