// A run as the history keeps it (RunState ↔ JSON), bounded: the candidates and their verdicts, the
// test output tail and explanation of each candidate shown (a group's representative), the files
// Apply needs for those, up to MAX_FILE_CHARS in all (best candidates first). No `vscode` here.
import type { ErrorData } from '../protocol/errors';
import type { FileChange } from '../core/edits/editTypes';
import type { CandidateResult, ContextSummary, SolvePhase, SolveProgress } from '../core/pipeline/types';
import type { CoverageSummary } from '../core/coverage/types';
import type { Baseline } from '../core/testing/types';
import type { ReproTest } from '../core/repro/types';
import { RunState } from './runState';

/** Characters of candidate files (before + after) kept per stored run; past it a candidate's files are left out. */
export const MAX_FILE_CHARS = 1_000_000;

export const STORED_RUN_VERSION = 1;

export interface StoredRun {
  version: typeof STORED_RUN_VERSION;
  /** Unique per run in the workspace: when it started and its id in that window. */
  id: string;
  savedAt: string;
  title: string;
  repoRoot: string;
  issueText: string;
  phase: SolvePhase | 'cancelled' | 'failed';
  progress: SolveProgress;
  /** Candidates (distinct patches) the run found. */
  groups: number;
  candidates: CandidateResult[];
  /** Per candidate shown (representative): its files before and after, when kept. */
  changes: [number, FileChange[]][];
  filesNotKept: number[];
  samples: [number, string][];
  numbers: [number, number][];
  /** Samples of the candidates the user discarded. */
  discarded: number[];
  baseline: Baseline | null;
  coverage: CoverageSummary | null;
  reproTests: ReproTest[];
  sandbox: string;
  context?: ContextSummary;
  testCommand?: { command: string; chosen: string };
  testsSkippedReason?: string;
  error?: ErrorData;
}

/** The issue's first line, as the history lists it. */
export function issueTitle(issueText: string): string {
  const line = issueText.split('\n').map((l) => l.replace(/^#+\s*/, '').trim()).find((l) => l !== '') ?? '(no issue text)';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

export function runKey(run: RunState): string {
  return `${run.startedAt}-${run.runId}`;
}

export function toStoredRun(run: RunState, savedAt = new Date()): StoredRun {
  const reps = run.visibleGroups().map((g) => g.representative);
  const shown = new Set(reps);
  const changes: [number, FileChange[]][] = [];
  const filesNotKept: number[] = [];
  let chars = 0;
  for (const index of reps) {
    const files = run.changes.get(index);
    if (!files) continue;
    const size = files.reduce((n, f) => n + (f.before?.length ?? 0) + (f.after?.length ?? 0), 0);
    if (chars + size > MAX_FILE_CHARS) filesNotKept.push(index);
    else {
      chars += size;
      changes.push([index, files]);
    }
  }
  // The other samples of a group share its representative's test run: their output tail is not kept twice.
  const candidates = [...run.candidates.values()].sort((a, b) => a.index - b.index)
    .map((c) => (shown.has(c.index) || !c.test ? c : { ...c, test: { ...c.test, outputTail: '' } }));
  return {
    version: STORED_RUN_VERSION,
    id: runKey(run),
    savedAt: savedAt.toISOString(),
    title: issueTitle(run.issueText),
    repoRoot: run.repoRoot,
    issueText: run.issueText,
    phase: run.phase,
    progress: run.progress,
    groups: reps.length,
    candidates,
    changes,
    filesNotKept,
    samples: [...run.samples].filter(([i]) => shown.has(i)),
    numbers: [...run.numbers],
    discarded: [...run.discarded],
    baseline: run.baseline,
    coverage: run.coverage,
    reproTests: run.reproTests,
    sandbox: run.sandbox,
    ...(run.context ? { context: run.context } : {}),
    ...(run.testCommand ? { testCommand: run.testCommand } : {}),
    ...(run.testsSkippedReason ? { testsSkippedReason: run.testsSkippedReason } : {}),
    ...(run.error ? { error: run.error } : {}),
  };
}

/** The stored run as the current run of the window (id `runId`): shown and applicable, not continued. */
export function fromStoredRun(s: StoredRun, runId: number): RunState {
  const run = new RunState(runId, s.repoRoot, s.progress.total, s.testsSkippedReason);
  run.stored = { savedAt: s.savedAt, filesNotKept: s.filesNotKept };
  run.issueText = s.issueText;
  run.phase = s.phase;
  run.progress = s.progress;
  for (const c of s.candidates) run.addCandidate(c);
  for (const [i, files] of s.changes) run.changes.set(i, files);
  for (const [i, text] of s.samples) run.samples.set(i, text);
  for (const [key, n] of s.numbers) run.numbers.set(key, n);
  for (const i of s.discarded) run.discarded.add(i);
  run.baseline = s.baseline;
  run.coverage = s.coverage;
  run.reproTests = s.reproTests;
  run.sandbox = s.sandbox;
  if (s.context) run.context = s.context;
  if (s.testCommand) run.testCommand = s.testCommand;
  if (s.error) run.error = s.error;
  return run;
}
