// Everything the extension knows about the current run, filled from the pipeline's events. Plain data,
// no `vscode`: the panel's state is derived from it, and the diff editor and "Apply" read from it.
import { HydrapatchError, type ErrorData } from '../protocol/errors';
import type { FileChange } from '../core/edits/editTypes';
import type { CandidateResult, ContextSummary, ResumableRun, SolvePhase, SolveProgress } from '../core/pipeline/types';
import type { CoverageSummary } from '../core/coverage/types';
import type { CandidateGroup } from '../core/rank/types';
import type { Baseline } from '../core/testing/types';
import type { ReproTest } from '../core/repro/types';
import { rankCandidates } from '../core/rank/rankCandidates';
import { ContextChoice } from './contextChoice';

export class RunState {
  phase: SolvePhase | 'cancelled' | 'failed' = 'context';
  progress: SolveProgress;
  /** Each finished candidate by sample index, as the pipeline reported it (onCandidate): the one source. */
  private readonly byIndex = new Map<number, CandidateResult>();
  /** The ranking of the candidates so far; dropped when one arrives. */
  private ranked: CandidateGroup[] | undefined;
  baseline: Baseline | null = null;
  coverage: CoverageSummary | null = null;
  /** The run's reproduction-test samples, kept and discarded (src/core/repro). */
  reproTests: ReproTest[] = [];
  sandbox = '';
  error?: ErrorData;
  /** Per applied candidate (sample index), its files as in the snapshot it was tested on and after it. */
  readonly changes = new Map<number, FileChange[]>();
  /** Each sample's raw text (capped), for the model's explanation. */
  readonly samples = new Map<number, string>();
  context?: ContextSummary;
  /** The user's pins and exclusions for the next run, from this run's context list. */
  contextChoice = new ContextChoice();
  /** The test command and how it was chosen. */
  testCommand?: { command: string; chosen: string };
  readonly applied = new Set<number>();
  /** Sample indices of the discarded candidates' samples (see isDiscarded). */
  readonly discarded = new Set<number>();
  /** What "Draw N more" continues from; set when a round finishes, absent for a run reopened from the history. */
  resumable?: ResumableRun;
  /** The issue as the user gave it (the history names the run by its first line). */
  issueText = '';
  /** When the run started (ms since the epoch); with runId-independent identity for the history. */
  readonly startedAt: number = Date.now();
  /** Set for a run reopened from the history: when it was stored, and the candidates whose files were not kept. */
  stored?: { savedAt: string; filesNotKept: number[] };
  /**
   * Each candidate's number once a round has finished, keyed by its group's first sample index (which
   * later rounds never change: their samples are numbered after). See visibleGroups.
   */
  readonly numbers = new Map<number, number>();

  constructor(
    readonly runId: number,
    readonly repoRoot: string,
    n: number,
    /** Set when tests are not run (untrusted folder, or running them unsandboxed declined); shown in the panel. */
    public testsSkippedReason?: string,
  ) {
    this.progress = { total: n, sampled: 0, applied: 0, tested: 0, passing: 0 };
  }

  get candidates(): ReadonlyMap<number, CandidateResult> {
    return this.byIndex;
  }

  addCandidate(c: CandidateResult): void {
    this.byIndex.set(c.index, c);
    this.ranked = undefined;
  }

  /** What the user reads for a sample: "candidate 2" (its group's rank, as the panel lists it), else "sample 5" (1-based). */
  label(index: number): string {
    const group = this.visibleGroups().find((g) => g.members.includes(index));
    return group ? `candidate ${group.rank}` : `sample ${index + 1}`;
  }

  /** The files of a candidate of the run (before = the snapshot it was tested on); throws when it has none. */
  filesOf(index: number): FileChange[] {
    const changes = this.changes.get(index);
    if (this.stored?.filesNotKept.includes(index)) {
      throw new HydrapatchError('no_candidate', `The files of ${this.label(index)} were not kept in the run history (the run was over the history's size limit).`, 'Copy its patch from the panel, or solve the issue again.');
    }
    if (!changes || changes.length === 0) {
      throw new HydrapatchError('no_candidate', `${this.label(index)} has no patch in the current run.`, 'Pick a candidate from "Hydrapatch: Show Candidates".');
    }
    return changes;
  }

  /**
   * A file of an applied candidate now reads `text`: when that is no longer the candidate's version
   * (Undo, or the user's own edit), the candidate is no longer applied. Returns whether that changed.
   */
  fileChanged(path: string, text: string | null): boolean {
    let changed = false;
    for (const index of this.applied) {
      const f = this.changes.get(index)?.find((c) => c.path === path);
      if (f && f.after !== text) {
        this.applied.delete(index);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * How many samples "Draw N more" offers: as many as were drawn, so the run reaches the coverage
   * forecast's first point (twice the samples). Undefined when no more can be drawn into it.
   */
  get moreCount(): number | undefined {
    return this.finished && this.resumable ? Math.max(1, this.progress.sampled) : undefined;
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'cancelled' || this.phase === 'failed';
  }

  /**
   * The candidates so far, best first, ranked by the pipeline's own ranking (src/core/rank): during the
   * first round the same function over the same candidates as the final result. Each group's `rank` is
   * the number the user reads ("candidate 2"): its rank until the first round finishes, then kept for
   * good (freezeNumbers), so that "Draw N more" renames nothing the user has seen; candidates found by
   * a later round are numbered after the highest number, in rank order, and listed where they rank.
   */
  visibleGroups(): CandidateGroup[] {
    if (this.ranked) return this.ranked;
    const groups = rankCandidates([...this.byIndex.values()].sort((a, b) => a.index - b.index)).groups;
    let next = Math.max(0, ...this.numbers.values());
    this.ranked = groups.map((g) => ({ ...g, rank: this.numbers.get(g.members[0]) ?? (this.numbers.size ? ++next : g.rank) }));
    return this.ranked;
  }

  /** A discarded candidate stays discarded when a later round adds samples to it: its first sample decides. */
  isDiscarded(group: CandidateGroup): boolean {
    return this.discarded.has(group.members[0]);
  }

  /** Keeps the candidates' numbers as they are now (a round finished): later rounds number only new ones. */
  freezeNumbers(): void {
    for (const g of this.visibleGroups()) this.numbers.set(g.members[0], g.rank);
  }
}
