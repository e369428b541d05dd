// One sample's way to a candidate: parsed, applied in a pooled worktree, tested (once per distinct
// patch) and judged against the baseline, then recorded and told to the caller as soon as it is known.
import type { SampleResult } from '../../protocol/sampling';
import { createEarlyStop, type EarlyStop } from '../coverage/earlyStop';
import type { FileChange } from '../edits/editTypes';
import { judgeWithRepro } from '../repro/judgeWithRepro';
import { writeReproTest } from '../repro/placeReproTest';
import type { ReproTest } from '../repro/types';
import { judge } from '../testing/judge';
import { runTests } from '../testing/runTests';
import { applyInWorktree, parseSample, type AppliedCandidate } from './candidateApply';
import { declined, emitProgress, type SolveRun, type TestSetup } from './solveRun';
import type { Baseline, TestRunResult } from '../testing/types';
import type { CandidateResult } from './types';

export interface CandidateStep {
  /** Parses, applies, tests and records one sample (nothing is recorded when the solve stopped first). */
  verify(sample: SampleResult): Promise<void>;
  /** The candidates recorded (an earlier round's first), in the order they finished. */
  readonly candidates: CandidateResult[];
  /** The applied candidates' files by sample index, kept only when worktrees are (keepWorktrees). */
  readonly keptFiles: Map<number, FileChange[]>;
  /** Verified candidates counted toward stopAfterVerified. */
  readonly early: EarlyStop;
}

/** A run killed because the solve stopped says nothing about the candidate; it is left out. */
const wasCancelled = (r: TestRunResult) => r.cancelled === true;

/** The candidate's part of an applied result: the diff judged and the test files it touched. */
function candidateFields(a: AppliedCandidate): Pick<CandidateResult, 'apply' | 'diff'> & Partial<Pick<CandidateResult, 'editsTests'>> {
  return { apply: a.apply, diff: a.diff, ...(a.testFiles.length > 0 ? { editsTests: a.testFiles } : {}) };
}

export function candidateStep(run: SolveRun, tests: TestSetup, baselineDone: Promise<Baseline>, reproDone: Promise<ReproTest[]>, wantRepro: boolean): CandidateStep {
  const { options, events, pool, stop, progress } = run;
  const early = createEarlyStop(options.stopAfterVerified);
  // A later round of the run starts from the earlier rounds' candidates, ranked with the new ones.
  const candidates: CandidateResult[] = [...(run.resume?.candidates ?? [])];
  const keptFiles = new Map<number, FileChange[]>();
  // One test run per distinct patch: a candidate identical to one tested already (in this round or
  // an earlier one) takes its run.
  const runsByDiff = new Map<string, Promise<TestRunResult | undefined>>();
  for (const c of candidates) if (c.test && c.diff !== '' && !runsByDiff.has(c.diff)) runsByDiff.set(c.diff, Promise.resolve(c.test));

  const record = (c: CandidateResult, changes: FileChange[] = []) => {
    candidates.push(c);
    progress.finished = candidates.length;
    if (c.apply.status === 'clean' || c.apply.status === 'fuzzy') progress.applied++;
    if (c.test) progress.tested++;
    if (c.verdict === 'verified') progress.passing++;
    if (changes.length > 0) {
      events.onCandidateFiles?.(c.index, changes);
      if (options.keepWorktrees) keptFiles.set(c.index, changes);
    }
    events.onCandidate?.(c);
    emitProgress(run);
    if (early.record(c.verdict)) stop.abort();
  };

  const verify = async (sample: SampleResult) => {
    const base = { index: sample.index, ...(sample.label === undefined ? {} : { label: sample.label }), fixed: [], broken: [], group: null, rank: null };
    const parsed = parseSample(sample.text);
    if (parsed.rejected) return record({ ...base, apply: parsed.rejected, diff: '', verdict: 'not-applied' });
    // With reproduction tests, candidates are tested once every test sample is known, so that all run the same kept tests.
    const kept = (await reproDone).filter((t) => t.kept);
    const wt = await pool.acquire();
    let applied: AppliedCandidate | undefined;
    let sameRun: Promise<TestRunResult | undefined> | undefined;
    let result: TestRunResult | undefined;
    try {
      if (stop.signal.aborted) return;
      applied = await applyInWorktree(wt.path, parsed.edits, tests.guard, options.allowTestEdits === true);
      if (applied.apply.status !== 'clean' && applied.apply.status !== 'fuzzy') {
        return record({ ...base, apply: applied.apply, diff: '', verdict: 'not-applied' });
      }
      // Only the user's tests changed: nothing of the candidate is left to judge.
      if (applied.diff === '') {
        return record({ ...base, ...candidateFields(applied), apply: { ...applied.apply, reason: `edits only tests (${applied.testFiles.join(', ')}); test edits are not applied` }, verdict: 'no-fix' });
      }
      if (!run.runTests) return record({ ...base, ...candidateFields(applied), verdict: 'no-fix' }, applied.changes);
      sameRun = runsByDiff.get(applied.diff);
      if (!sameRun) {
        // Hydrapatch's own tests go in after the candidate's edits, under names no candidate file has.
        for (const t of kept) await writeReproTest(wt.path, t);
        // A declined consent makes the run (and every run waiting on it) undefined: the candidate goes untested.
        const testRun = tests.slot(() => runTests(tests.limits(wt.path))).catch((err: unknown) => {
          if (declined(run, err)) return undefined;
          throw err;
        });
        runsByDiff.set(applied.diff, testRun);
        result = await testRun;
      }
    } finally {
      await pool.release(wt);
    }
    // The same patch as one tested already: that run is the answer, awaited without holding a worktree.
    result ??= await sameRun;
    const baseline = await baselineDone;
    if (!run.runTests) return record({ ...base, ...candidateFields(applied), verdict: 'no-fix' }, applied.changes);
    if (!result || wasCancelled(result)) return;
    record({ ...base, ...candidateFields(applied), test: result, ...(wantRepro ? judgeWithRepro(result, baseline, kept, options.reproTests?.quorum) : judge(result, baseline)) }, applied.changes);
  };

  return { verify, candidates, keptFiles, early };
}
