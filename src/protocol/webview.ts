// Messages between the extension and its review panel (a webview). Plain data only: the panel gets
// the pipeline's own result types unchanged and answers with the candidate it means.
import type { ErrorData } from './errors';

// One vocabulary for the extension and its panel: a "sample" is one answer of the model, a "candidate"
// is a distinct patch (the samples that wrote it, grouped), numbered by its rank in the panel. The
// pipeline's codes (phases, verdicts, apply statuses) are said in these words, and the panel's types
// for them are the words' keys: a code the pipeline adds without words fails the type check where the
// extension fills the panel's state (src/extension/panelState.ts).

export const phaseWords = {
  context: 'Choosing the files to show the model',
  baseline: 'Running your tests on the unchanged files',
  sampling: 'Drawing samples',
  verifying: 'Testing the last candidates',
  ranking: 'Ranking the candidates',
  done: 'Done',
  cancelled: 'Cancelled',
  failed: 'Failed',
} satisfies Record<string, string>;

/** The pipeline's phase (SolvePhase), or how the run ended when it did not finish. */
export type PanelPhase = keyof typeof phaseWords;

/** Verdict → the short label of the panel and its longer explanation (tooltip and legend). */
export const verdictWords = {
  verified: { label: 'verified', means: 'the tests that failed before pass (or the kept reproduction tests do), and no test that passed fails' },
  partial: { label: 'partly fixes', means: 'some tests that failed before pass, others still fail; nothing newly broken' },
  'no-fix': { label: 'fixes nothing', means: 'applies, but no failing test passes with it' },
  breaks: { label: 'breaks tests', means: 'a test that passed before fails with it' },
  error: { label: 'test run failed', means: 'the test run itself failed (time limit or too much output)' },
  'not-applied': { label: 'did not apply', means: 'the edit did not match the files' },
  untested: { label: 'not tested', means: 'tests were not run, so nothing is known about it' },
} satisfies Record<string, { label: string; means: string }>;

/** The pipeline's Verdict (src/core/testing/types.ts), or 'untested' when tests were not run. */
export type PanelVerdict = keyof typeof verdictWords;

export const applyWords = {
  clean: 'exactly',
  fuzzy: 'ignoring whitespace',
  failed: 'did not apply',
  refused: 'refused',
  'no-edits': 'no edit',
} satisfies Record<string, string>;

/** The edits' ApplyStatus (src/core/edits/editTypes.ts). */
export type PanelApplyStatus = keyof typeof applyWords;

/** The sandbox the tests ran in (SandboxKind, src/core/sandbox/types.ts): "none" = unsandboxed, "" = tests not run. */
export type PanelSandbox = 'bwrap' | 'sandbox-exec' | 'none' | '';

/** "bm25 0.83" and friends, said as what they mean. */
export function contextReason(reason: string): string {
  const bm25 = /^bm25 ([\d.]+)$/.exec(reason);
  if (bm25) return `shares words with the issue (${Math.round(100 * Number(bm25[1]))}% of the best file)`;
  return reason;
}


export type TestCell = 'pass' | 'fail' | 'new-failure' | 'fixed' | 'flaky' | 'not-run';

/** Why a candidate got its verdict: what the model said, and what its test run showed. */
export interface PanelEvidence {
  /** The model's prose around its edit: what it says it changed and why ("" when it wrote none). */
  explanation: string;
  /** Tests that failed before and pass with this candidate; passed before and fail now; fail still. */
  fixed: string[];
  broken: string[];
  stillFailing: string[];
  /** The representative's test run (absent when tests did not run). */
  test?: { command: string; exitCode: number | null; timedOut: boolean; outputCapped: boolean; durationMs: number; outputTail: string };
}

/** One candidate group as the panel shows it: "candidate <rank>" everywhere the user reads it. */
export interface PanelGroup {
  id: number;
  /**
   * The candidate's number: its rank when the run's first round finished, kept after (Draw N more
   * numbers new candidates after the others). Groups are listed best first whatever their numbers.
   */
  rank: number;
  verdict: PanelVerdict;
  size: number;
  /** The member shown for the group; the sample index every action refers to. */
  representative: number;
  members: number[];
  applyStatus: PanelApplyStatus;
  changedLines: number;
  files: string[];
  /** Per test name, the representative's outcome. */
  tests: Record<string, TestCell>;
  sandbox: PanelSandbox;
  applied: boolean;
  discarded: boolean;
  /** Test files the representative changed (those edits were not applied unless test edits are allowed). */
  editsTests?: string[];
  /** What a verified or partial verdict rests on: 'failing-tests', 'reproduction-tests' or 'both'. */
  verifiedBy?: string;
  /** Sample indices of the kept reproduction tests the representative passes; the dual agreement (count × size). */
  reproPassed?: number[];
  agreement?: number;
  evidence: PanelEvidence;
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

/** The repository context sent to the model (files, why each, tokens used of the budget). */
export interface PanelContext {
  files: { path: string; reasons: string[]; excerpt?: { startLine: number; endLine: number; totalLines: number }; pinned?: boolean }[];
  leftOut: string[];
  tokens: number;
  budgetTokens: number;
  /** What the user excluded from this run, and the files they pinned that were not sent (with why). */
  excluded: string[];
  dropped: { path: string; reason: string }[];
  /** The pins and exclusions for the next run ("Re-run with this context"); `changed` when they differ from this run's. */
  next: { pinned: string[]; excluded: string[]; changed: boolean };
}

/** The user's steering of one file of the context, for the next run. */
export type ContextAction = 'pin' | 'unpin' | 'exclude' | 'include';

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
  phase: PanelPhase;
  /** The phase in words ("Drawing samples"). */
  phaseText: string;
  /** False once the run is done, cancelled or failed. */
  running: boolean;
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
  /** The test command and how it was chosen ("the hydrapatch.testCommand setting", "detected …"). */
  testCommand?: { command: string; chosen: string };
  /** The tests on the unchanged files; `passes`: nothing failed, so nothing can be verified. */
  baseline?: { failing: string[]; flaky: string[]; passes: boolean; outputTail: string };
  context?: PanelContext;
  /** Samples that gave no usable edit, by reason; sample numbers are 1-based. */
  notApplied: { reason: string; samples: number[] }[];
  /** How many more samples "Draw N more" draws into this run; absent when it cannot (running, or reopened from the history). */
  drawMore?: number;
  /** Set for a run reopened from the history: when it was stored (ISO), and its issue's first line. */
  history?: { savedAt: string; title: string };
}

export type ToPanel = { type: 'state'; state: PanelState } | { type: 'notice'; text: string };

export type CandidateAction = 'openDiff' | 'apply' | 'copyPatch' | 'discard';

/** Actions on the run as a whole (buttons outside the candidate rows). */
export type RunAction = 'cancel' | 'openSettings' | 'solveAgain' | 'drawMore' | 'rerunWithContext' | 'pinFile';

/** What the panel sends; validated by parseFromPanel (webviewSchemas.ts), the panel being a less trusted context. */
export type FromPanel =
  | { type: 'ready' }
  | { type: 'action'; action: CandidateAction; runId: number; index: number; /** 'apply' of one file of the candidate. */ path?: string }
  | { type: 'run'; action: RunAction }
  | { type: 'context'; action: ContextAction; path: string };
