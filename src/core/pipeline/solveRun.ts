// What the steps of one solve share (solve.ts composes them): the snapshot and its pool of worktrees,
// how tests run there, the work still in flight, and the progress told to the caller.
import { basename, join } from 'node:path';
import { realpath } from 'node:fs/promises';
import { HydrapatchError, type ErrorData } from '../../protocol/errors';
import { sandboxLauncher } from '../sandbox/sandboxLauncher';
import { detectTestCommand, type DetectedCommand } from '../testing/detectTestCommand';
import { killRecordedRuns } from '../testing/killTree';
import type { RunTestsOptions } from '../testing/runTests';
import { testFileGuard, type TestFileGuard } from '../testing/testFiles';
import { resolveLinkPaths } from '../worktree/linkPaths';
import { WorktreePool } from '../worktree/pool';
import { createRunDir, pruneDeadRuns } from '../worktree/runDir';
import { simpleGit } from 'simple-git';
import { snapshot, type Snapshot } from '../worktree/snapshot';
import { createLimiter, type Limiter } from './limiter';
import type { PhaseTimings, ResumableRun, SolveEvents, SolveOptions, SolveProgress } from './types';

export interface SolveRun {
  options: SolveOptions;
  events: SolveEvents;
  snap: Snapshot;
  runDir: string;
  /** Dependency folders linked into each worktree (and into a kept one). */
  linkPaths: string[];
  pool: WorktreePool;
  /** Aborted to stop drawing and kill the test runs in flight: the caller's abort, enough verified, a failed baseline. */
  stop: AbortController;
  /** Work still running (baseline, reproduction checks, candidates); all of it settles before the worktrees go. */
  inFlight: Promise<void>[];
  progress: SolveProgress;
  timings: PhaseTimings;
  /** Cleared when the user declines to run tests without a sandbox: the solve goes on untested. */
  runTests: boolean;
  /** Why, once cleared. */
  testsNotRun?: ErrorData;
  /** The earlier rounds of the run, when this solve draws more samples into it. */
  resume?: ResumableRun;
  /** This round's samples are numbered (and seeded) from here: 0, or the earlier rounds' nextIndex. */
  firstIndex: number;
}

/** How tests run in this solve's worktrees. */
export interface TestSetup {
  command: string;
  /** Set when the command was detected rather than given. */
  detected?: DetectedCommand;
  guard: TestFileGuard;
  /** A test run's options in the worktree at `cwd`. */
  limits(cwd: string): RunTestsOptions;
  /** Baseline, reproduction and candidate runs share the parallelism limit. */
  slot: Limiter;
}

/** The earlier round's snapshot, which must still be in the repository's object store. */
async function resumedSnapshot(resume: ResumableRun): Promise<Snapshot> {
  const exists = await simpleGit({ baseDir: resume.root }).raw(['cat-file', '-e', `${resume.commit}^{commit}`]).then(() => true, () => false);
  if (!exists) {
    throw new HydrapatchError('cannot_draw_more', `the run's snapshot (commit ${resume.commit.slice(0, 12)}) is no longer in ${resume.root}, so no more samples can be tested on the files the run saw.`, 'Solve the issue again: a new run takes a new snapshot of your files.');
  }
  return { root: resume.root, head: null, commit: resume.commit, dirty: true };
}

/** Snapshots the user's tree (or takes the earlier round's snapshot) and makes the pool its candidates are applied in. */
export async function openRun(options: SolveOptions, events: SolveEvents, resume?: ResumableRun): Promise<SolveRun> {
  const snap = resume ? await resumedSnapshot(resume) : await snapshot(options.repoDir);
  // Test runs an interrupted solve left running are killed before its worktrees are removed.
  await pruneDeadRuns(snap.root, killRecordedRuns);
  const runDir = await createRunDir(snap.root);
  const linkPaths = await resolveLinkPaths(snap.root, options.linkPaths);
  // One worktree more than the test parallelism: the baseline runs while candidates start.
  const pool = new WorktreePool({ repoRoot: snap.root, commit: snap.commit, runDir, size: options.parallelTests + 1, linkPaths });
  return {
    options, events, snap, runDir, linkPaths, pool,
    stop: new AbortController(),
    inFlight: [],
    // A later round counts on from the earlier ones, so that "12/16 sampled" means the whole run.
    progress: resume ? { ...resume.progress, total: resume.progress.total + options.n } : { total: options.n, sampled: 0, applied: 0, tested: 0, passing: 0, finished: 0 },
    timings: { contextMs: 0, baselineMs: 0, samplingMs: 0, verifyingMs: 0, rankingMs: 0 },
    runTests: resume ? resume.runTests : options.runTests !== false,
    ...(resume?.testsNotRun ? { testsNotRun: resume.testsNotRun } : {}),
    ...(resume ? { resume } : {}),
    firstIndex: resume?.nextIndex ?? 0,
  };
}

/** The test command (given or detected), the guard over the user's tests, and the sandbox runs go in. */
export async function prepareTests(run: SolveRun): Promise<TestSetup> {
  const { options, snap, runDir, linkPaths, stop, resume } = run;
  // A later round runs the command the first one ran, however it was chosen.
  const detected = resume
    ? (resume.testCommandReason === undefined ? undefined : { command: resume.testCommand, reason: resume.testCommandReason })
    : options.testCommand === undefined && run.runTests ? await detectTestCommand(snap.root) : undefined;
  const command = resume ? resume.testCommand : options.testCommand ?? detected?.command ?? '';
  const guard = await testFileGuard(snap.root, command);
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
  return {
    command,
    ...(detected ? { detected } : {}),
    guard,
    limits: (cwd) => ({
      command, cwd, reportDir: reportDirFor(cwd), timeoutMs: options.testTimeoutMs, outputCapBytes: options.outputCapBytes, launcher, recordDir: runDir, signal: stop.signal,
    }),
    slot: createLimiter(options.parallelTests),
  };
}

/**
 * True when `err` is the user declining to run tests unsandboxed: the first time, the solve stops
 * testing and says so once; every later run is left untested too.
 */
export function declined(run: SolveRun, err: unknown): boolean {
  if (!(err instanceof HydrapatchError && err.code === 'sandbox_consent_refused')) return false;
  if (run.runTests) {
    run.runTests = false;
    run.testsNotRun = err.toData();
    run.events.onWarning?.({ ...run.testsNotRun, message: `${run.testsNotRun.message}; the candidates are shown untested` });
  }
  return true;
}

/**
 * Counts `p` as in flight. Its failure is read once drawing stops; until then a rejection must not
 * count as unhandled (which would end the process with a stack trace).
 */
export function track(run: SolveRun, p: Promise<void>): void {
  p.catch(() => undefined);
  run.inFlight.push(p);
}

export function emitProgress(run: SolveRun): void {
  run.events.onProgress?.({ ...run.progress });
}

/** Milliseconds since `t` (a performance.now()), rounded. */
export const since = (t: number): number => Math.round(performance.now() - t);
