// The orchestrator's API, used by the extension and the CLI. Everything a caller receives (events and
// the result) is plain data, so the extension can post it to its webview unchanged.
import type { ErrorData } from '../../protocol/errors';
import type { PromptTree } from '../../protocol/promptTree';
import type { SampleParams, SampleResult } from '../../protocol/sampling';
import type { SampleSource } from '../sampling/sampleSource';
import type { ChatWrap } from '../prompt/chatWrap';
import type { Evidence, ReproOutcome, ReproTest } from '../repro/types';
import type { ApplyResult, FileChange } from '../edits/editTypes';
import type { CandidateGroup } from '../rank/types';
import type { CoverageSummary } from '../coverage/types';
import type { SandboxMode } from '../sandbox/types';
import type { Baseline, TestRunResult, Verdict } from '../testing/types';

export interface SolveOptions {
  /** The user's repository (any folder inside it); never modified. */
  repoDir: string;
  issueText: string;
  /** Samples to draw. */
  n: number;
  /** Shell command that runs the tests; detected from the repository when absent. */
  testCommand?: string;
  /**
   * false: sample, parse and apply candidates (diffs, groups by patch) but run no test, not even the
   * baseline — the extension in an untrusted folder, where running the folder's code is not allowed.
   * Default true.
   */
  runTests?: boolean;
  source: SampleSource;
  sampleParams: SampleParams;
  /** Test runs at once. */
  parallelTests: number;
  testTimeoutMs: number;
  /** Output kept per test run; past it the run is killed and marked truncated. */
  outputCapBytes: number;
  /** Stop drawing and testing once this many verified candidates are found. */
  stopAfterVerified?: number;
  sandbox: SandboxMode;
  /** Asked once when sandbox is 'auto' and no sandbox is available; false refuses to run tests. */
  allowUnsandboxed?: () => Promise<boolean>;
  contextBudgetTokens: number;
  /** Files the user pinned into the context (sent first, whatever their rank) and excluded from it (never sent). */
  contextFiles?: { pinned?: string[]; excluded?: string[] };
  /** The model's chat template around the prompt; default: the source's own (SampleSource.chatWrap), else plain text. */
  chatWrap?: ChatWrap;
  /** Split the samples over this many branches, one per likely bug location; default: one leaf. */
  locationBranches?: number;
  /** Keep the worktrees of the best K groups' representatives instead of removing them (paths in the result). */
  keepWorktrees?: number;
  /** Paths (relative to the repo root) linked into each worktree instead of copied; default: node_modules and common venvs that exist. */
  linkPaths?: string[];
  /** Identifies the run in the SWE-bench-style prediction (instance_id); default: the repo folder name. */
  instanceId?: string;
  /**
   * Let candidates change the user's tests. Default false: edits to test files (and to the test
   * settings in package.json, pyproject.toml, setup.cfg, tox.ini) are not applied, only reported.
   */
  allowTestEdits?: boolean;
  /**
   * Reproduction tests (src/core/repro): `n` test samples drawn from a second leaf of the prompt tree
   * (samples labelled reproLeafLabel), kept when they fail on the unmodified tree with an assertion;
   * a candidate is verified only when at least `quorum` of the kept ones pass (default: all).
   */
  reproTests?: { n: number; quorum?: number };
}

export type SolvePhase = 'context' | 'baseline' | 'sampling' | 'verifying' | 'ranking' | 'done';

/** A candidate's ApplyResult as the run reports it: the paths it touched, not their contents (so reports stay small). */
export interface ApplySummary extends Pick<ApplyResult, 'status' | 'reason'> {
  /** Repository-relative paths the edit touched. */
  files: string[];
}

export interface CandidateResult {
  /** Index of the sample it came from. */
  index: number;
  label?: string;
  apply: ApplySummary;
  /** Unified diff of the candidate against the base tree ("" when nothing applied). */
  diff: string;
  test?: TestRunResult;
  /** Baseline-failing tests that now pass. */
  fixed: string[];
  /** Baseline-passing tests that now fail. */
  broken: string[];
  verdict: Verdict;
  /** Id of its group, set after ranking (null when not applied). */
  group: number | null;
  /** Rank of its group, 1 = best, set after ranking. */
  rank: number | null;
  /** The kept reproduction tests it passes and fails (when any were kept). */
  repro?: ReproOutcome;
  /** What a verified or partial verdict rests on. */
  evidence?: Evidence;
  /** Path of the kept worktree (keepWorktrees). */
  worktree?: string;
  /** Test files the candidate changed; unless allowTestEdits those changes were dropped and the rest judged. */
  editsTests?: string[];
}

/** A SWE-bench-style predictions entry. */
export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

export interface SolveProgress {
  total: number;
  sampled: number;
  applied: number;
  tested: number;
  passing: number;
  /** Candidates done: tested, or found not to apply (solve always sets it). */
  finished?: number;
}

export interface SolveResult {
  candidates: CandidateResult[];
  groups: CandidateGroup[];
  baseline: Baseline;
  coverage: CoverageSummary;
  /** The best verified group's patch; null when nothing was verified. */
  prediction: Prediction | null;
  testCommand: string;
  /** Every reproduction-test sample: the kept ones (shown beside the patch) and the discarded ones with why. */
  reproTests?: ReproTest[];
  /** Why no test ran though tests were asked for (the user declined to run them unsandboxed). */
  testsNotRun?: ErrorData;
  sandbox: string;
  source: string;
  /** True when it stopped before all samples were drawn or tested (stopAfterVerified or abort). */
  stoppedEarly: boolean;
  /** Why sampling stopped before all samples were drawn (the backend failed); the drawn ones are in `candidates`. */
  samplingFailed?: ErrorData;
  /** True when the caller cancelled: the result holds only the candidates judged before. */
  cancelled: boolean;
  /** Why the test command was chosen, when it was detected (not given). */
  testCommandReason?: string;
  /** No per-test result could be read from the runs: verdicts come from the exit code alone. */
  judgedByExitCodeOnly: boolean;
  timings: PhaseTimings;
  durationMs: number;
}

/** Wall time of each phase; the baseline overlaps the context phase, and verifying overlaps sampling (this is the part after it). */
export interface PhaseTimings {
  contextMs: number;
  baselineMs: number;
  samplingMs: number;
  verifyingMs: number;
  rankingMs: number;
}

/** What went into the prompt, so that a user can see when the file to fix was left out. */
export interface ContextSummary {
  files: { path: string; reasons: string[]; excerpt?: { startLine: number; endLine: number; totalLines: number }; pinned?: boolean }[];
  /** Files with some evidence that did not fit, best first (at most 10). */
  leftOut: string[];
  /** Tokens of the repository map and the files; the budget they had. */
  tokens: number;
  budgetTokens: number;
  /** What the user excluded (left out of files and map), and the pinned files that were not sent, with why. */
  excluded: string[];
  dropped: { path: string; reason: string }[];
}

export interface SolveEvents {
  onPhase?(phase: SolvePhase, detail?: string): void;
  /** The repository context chosen for the prompt. */
  onContext?(context: ContextSummary): void;
  onSample?(sample: SampleResult): void;
  onBaseline?(baseline: Baseline): void;
  /**
   * Just before onCandidate of an applied candidate: each file it touches as in the snapshot it was
   * tested on, and after it — what an editor applies, and checks the user's files against. Kept out
   * of the result so that reports stay small.
   */
  onCandidateFiles?(index: number, changes: FileChange[]): void;
  /** A candidate finished: applied (or not) and tested. */
  onCandidate?(candidate: CandidateResult): void;
  onProgress?(progress: SolveProgress): void;
  /** Non-fatal problems (a flaky baseline, a worktree that could not be removed). */
  onWarning?(warning: ErrorData): void;
  /** Just before solve returns: what a later solve needs to draw more samples into this run (see ResumableRun). */
  onResumable?(run: ResumableRun): void;
}

/**
 * A finished (or cancelled) solve as the next round of the same run starts from: solve(options, events,
 * signal, resumable) draws options.n more samples with the same prompt, on the same snapshot, judged
 * against the same baseline and test command (none of them is redone), and ranks them with these
 * candidates. Plain data; held by the caller in memory (the snapshot is an unreferenced commit, which
 * git keeps for weeks).
 */
export interface ResumableRun {
  /** The snapshot's repository root and commit. */
  root: string;
  commit: string;
  /** The patch prompt (no reproduction-test leaf); its leaves' `n` are set anew for each round. */
  tree: PromptTree;
  testCommand: string;
  /** Why the test command was chosen, when it was detected. */
  testCommandReason?: string;
  baseline: Baseline;
  /** Every candidate judged so far, in sample order. */
  candidates: CandidateResult[];
  /** The run's reproduction tests (the kept ones judge the new candidates too) and whether they took part. */
  reproTests: ReproTest[];
  wantRepro: boolean;
  /** Tests were not run (untrusted, or running them unsandboxed was declined): the next round runs none either. */
  runTests: boolean;
  testsNotRun?: ErrorData;
  /** Sample indices (and seeds) so far are below this: the next round's samples are numbered from it. */
  nextIndex: number;
  progress: SolveProgress;
}

export type Solve = (options: SolveOptions, events: SolveEvents, signal: AbortSignal, resume?: ResumableRun) => Promise<SolveResult>;
