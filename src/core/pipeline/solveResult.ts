// The end of a solve: the candidates ranked, the best groups' worktrees kept when asked, and the
// result every caller reads (the CLI's report and --json, the extension's panel).
import { basename } from 'node:path';
import type { ErrorData } from '../../protocol/errors';
import { summarizeCoverage } from '../coverage/summarizeCoverage';
import { writeChanges } from '../edits/applyToDirectory';
import type { FileChange } from '../edits/editTypes';
import { rankCandidates } from '../rank/rankCandidates';
import type { ReproTest } from '../repro/types';
import { linkInto } from '../worktree/linkPaths';
import { keepWorktree } from '../worktree/keep';
import type { CandidateStep } from './candidateStep';
import { since, type SolveRun, type TestSetup } from './solveRun';
import type { Baseline } from '../testing/types';
import type { SolveResult } from './types';

export interface SolveOutcome {
  baseline: Baseline;
  candidates: CandidateStep;
  reproTests: ReproTest[];
  wantRepro: boolean;
  samplingFailed?: ErrorData;
  /** The caller cancelled. */
  cancelled: boolean;
  /** When the solve started (performance.now()). */
  started: number;
}

export async function rankAndReport(run: SolveRun, tests: TestSetup, outcome: SolveOutcome): Promise<SolveResult> {
  const { options, snap, timings } = run;
  const { baseline, reproTests, wantRepro, samplingFailed } = outcome;
  const { candidates, keptFiles } = outcome.candidates;
  run.events.onPhase?.('ranking');
  const rankingStarted = performance.now();
  candidates.sort((a, b) => a.index - b.index);
  const ranking = rankCandidates(candidates);
  const ranked = ranking.candidates;
  const kept = await keepBest(run, ranking.groups, keptFiles);
  for (const c of ranked) if (kept.has(c.index)) c.worktree = kept.get(c.index);
  const best = ranking.groups[0];
  timings.rankingMs = since(rankingStarted);
  const keptRepro = reproTests.some((t) => t.kept);
  return {
    candidates: ranked,
    groups: ranking.groups,
    baseline,
    // Over every round of the run: a later round's candidates come after the earlier ones'.
    coverage: summarizeCoverage(candidates.length, candidates.filter((c) => c.verdict === 'verified').length, keptRepro ? (baseline.failing.length > 0 ? 'both' : 'reproduction-tests') : undefined),
    prediction: best && best.verdict === 'verified'
      ? { instance_id: options.instanceId ?? basename(snap.root), model_name_or_path: options.source.description, model_patch: best.diff }
      : null,
    testCommand: tests.command,
    ...(tests.detected || (options.testCommand === undefined && run.runTests && !run.resume) ? { testCommandReason: tests.detected?.reason ?? '' } : {}),
    judgedByExitCodeOnly: run.runTests && !run.testsNotRun && baseline.run.format === 'exit-code',
    ...(wantRepro ? { reproTests } : {}),
    ...(run.testsNotRun ? { testsNotRun: run.testsNotRun } : {}),
    cancelled: outcome.cancelled,
    timings,
    sandbox: baseline.run.sandbox,
    source: options.source.description,
    stoppedEarly: run.stop.signal.aborted || candidates.length < run.progress.total,
    ...(samplingFailed ? { samplingFailed } : {}),
    durationMs: since(outcome.started),
  };
}

/**
 * Worktrees of the best K groups' representatives, kept for the user to look at: the files each was
 * tested with, written into a fresh worktree of the same snapshot (not parsed and matched a second time).
 */
async function keepBest(run: SolveRun, groups: { representative: number }[], files: Map<number, FileChange[]>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const g of groups.slice(0, run.options.keepWorktrees ?? 0)) {
    const changes = files.get(g.representative);
    if (changes === undefined) continue;
    out.set(g.representative, await keepWorktree(run.snap.root, run.snap.commit, `sample-${g.representative}`, async (dir) => {
      await writeChanges(dir, changes);
      // A kept worktree is runnable: the same dependencies as the runs had.
      await linkInto(run.snap.root, dir, run.linkPaths);
    }));
  }
  return out;
}
