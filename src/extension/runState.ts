// Everything the extension knows about the current run, filled from the pipeline's events. Plain data,
// no `vscode`: the panel's state is derived from it, and the diff editor and "Apply" read from it.
import { HydrapatchError, type ErrorData } from '../protocol/errors';
import type { FileChange } from '../core/edits/editTypes';
import type { CandidateResult, ContextSummary, SolvePhase, SolveProgress } from '../core/pipeline/types';
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
  readonly discarded = new Set<number>();

  constructor(
    readonly runId: number,
    readonly repoRoot: string,
    readonly n: number,
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

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'cancelled' || this.phase === 'failed';
  }

  /**
   * The candidates so far, ranked by the pipeline's own ranking (src/core/rank): during the run the
   * same function over the same candidates as the final result, so "#1" means the same thing throughout.
   */
  visibleGroups(): CandidateGroup[] {
    this.ranked ??= rankCandidates([...this.byIndex.values()].sort((a, b) => a.index - b.index)).groups;
    return this.ranked;
  }
}
