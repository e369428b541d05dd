// Everything the extension knows about the current run, filled from the pipeline's events. Plain data,
// no `vscode`: the panel's state is derived from it, and the diff editor and "Apply" read from it.
import type { ErrorData } from '../protocol/errors';
import type { FileChange } from '../core/edits/editTypes';
import type { CandidateResult, ContextSummary, SolvePhase, SolveProgress } from '../core/pipeline/types';
import type { CoverageSummary } from '../core/coverage/types';
import type { CandidateGroup } from '../core/rank/types';
import type { Baseline } from '../core/testing/types';
import type { ReproTest } from '../core/repro/types';

export class RunState {
  phase: SolvePhase | 'cancelled' | 'failed' = 'context';
  progress: SolveProgress;
  readonly candidates = new Map<number, CandidateResult>();
  groups: CandidateGroup[] = [];
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

  /** What the user reads for a sample: "candidate 2" (its group's rank, as the panel lists it), else "sample 5" (1-based). */
  label(index: number): string {
    const group = this.visibleGroups().find((g) => g.members.includes(index));
    return group ? `candidate ${group.rank}` : `sample ${index + 1}`;
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

  /** The groups to show: the ranked ones when ranking is done, else one per applied candidate so far. */
  visibleGroups(): CandidateGroup[] {
    if (this.groups.length > 0) return this.groups;
    const live: CandidateGroup[] = [];
    for (const c of this.candidates.values()) {
      if (c.apply.status !== 'clean' && c.apply.status !== 'fuzzy') continue;
      live.push({
        id: c.index,
        rank: 0,
        verdict: c.verdict,
        members: [c.index],
        representative: c.index,
        diff: c.diff,
        changedLines: c.diff.split('\n').filter((l) => /^[+-](?![+-]{2} )/.test(l)).length,
        fixed: c.fixed,
        broken: c.broken,
      });
    }
    const order = { verified: 0, partial: 1, 'no-fix': 2, breaks: 3, error: 4, 'not-applied': 5 } as const;
    live.sort((a, b) => order[a.verdict] - order[b.verdict] || a.changedLines - b.changedLines);
    live.forEach((g, i) => (g.rank = i + 1));
    return live;
  }
}
