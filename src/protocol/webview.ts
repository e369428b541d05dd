// Messages between the extension and its review panel (a webview). Plain data only: the panel gets
// the pipeline's own result types unchanged and answers with the candidate it means.
import type { ErrorData } from './errors';

export type TestCell = 'pass' | 'fail' | 'new-failure' | 'fixed' | 'flaky' | 'not-run';

/** One candidate group as the panel shows it. */
export interface PanelGroup {
  id: number;
  rank: number;
  verdict: string;
  size: number;
  /** The member shown for the group; the sample index every action refers to. */
  representative: number;
  members: number[];
  applyStatus: string;
  changedLines: number;
  files: string[];
  /** Per test name, the representative's outcome. */
  tests: Record<string, TestCell>;
  /** Sandbox the tests ran in ("none" = unsandboxed, "" = tests not run). */
  sandbox: string;
  applied: boolean;
  discarded: boolean;
  /** Test files the representative changed (those edits were not applied unless test edits are allowed). */
  editsTests?: string[];
  /** What a verified or partial verdict rests on: 'failing-tests', 'reproduction-tests' or 'both'. */
  evidence?: string;
  /** Sample indices of the kept reproduction tests the representative passes; the dual agreement (count × size). */
  reproPassed?: number[];
  agreement?: number;
}

/**
 * A reproduction-test sample (src/core/repro/types.ts, ReproTest): a kept one can be offered beside a
 * patch that passes it ("add the test": write `content` at `path`); a discarded one says why.
 */
export interface PanelReproTest {
  index: number;
  kept: boolean;
  path: string;
  content: string;
  failing: string[];
  message?: string;
  discard?: string;
  reason?: string;
}

export interface PanelCoverage {
  n: number;
  c: number;
  curve: { k: number; p: number }[];
  fit?: { a: number; b: number };
  forecast?: { k: number; p: number }[];
  line: string;
  /** What "verified" rested on, when reproduction tests took part. */
  basis?: string;
}

export interface PanelState {
  /** Bumped by each new run, so the panel can drop stale state. */
  runId: number;
  phase: string;
  progress: { total: number; sampled: number; tested: number; passing: number };
  groups: PanelGroup[];
  /** Test names in grid order (baseline-failing first). */
  tests: string[];
  coverage: PanelCoverage | null;
  /** The run's reproduction tests, kept first; absent when none were drawn. */
  reproTests?: PanelReproTest[];
  /** Why tests did not run, e.g. the workspace is untrusted. */
  testsSkippedReason?: string;
  /** What limits the verdicts: the baseline passes, or no per-test result could be read (judged by exit code only). */
  testNotes?: string[];
  error?: ErrorData;
}

export type ToPanel = { type: 'state'; state: PanelState } | { type: 'notice'; text: string };

export type CandidateAction = 'openDiff' | 'apply' | 'copyPatch' | 'discard';

export type FromPanel =
  | { type: 'ready' }
  | { type: 'action'; action: CandidateAction; runId: number; index: number };

const actions: readonly string[] = ['openDiff', 'apply', 'copyPatch', 'discard'];

/** Validates what the webview sends: it is a separate, less trusted context. */
export function parseFromPanel(raw: unknown): FromPanel | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (m.type === 'ready') return { type: 'ready' };
  if (
    m.type === 'action' &&
    typeof m.action === 'string' &&
    actions.includes(m.action) &&
    Number.isInteger(m.runId) &&
    Number.isInteger(m.index)
  ) {
    return { type: 'action', action: m.action as CandidateAction, runId: m.runId as number, index: m.index as number };
  }
  return undefined;
}
