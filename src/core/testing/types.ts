// What a test run gives and what it is judged to mean: the per-test results read from a runner's
// output or report, the baseline on the unmodified tree, and the verdict of a candidate's run.
import type { SandboxKind } from '../sandbox/types';

export type TestStatus = 'pass' | 'fail' | 'skip';

export interface TestCaseResult {
  /** Stable name used to compare runs, e.g. "suite > test name" or "test_mod.TestX.test_y". */
  name: string;
  status: TestStatus;
}

/** Where per-test results were read: a report the runner wrote (junit, jest-json, mocha-events, go-json) or its text output; 'exit-code' when neither named a test. */
export type TestFormat = 'tap' | 'node-spec' | 'junit' | 'pytest' | 'unittest' | 'go' | 'cargo' | 'ava' | 'jest-json' | 'mocha-events' | 'go-json' | 'exit-code';

export interface TestRunResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The output passed the cap; the run was killed there. */
  outputCapped: boolean;
  /** Killed because the solve stopped (abort, or enough verified): says nothing about the candidate. */
  cancelled?: boolean;
  durationMs: number;
  format: TestFormat;
  /** Per-test results when the format allowed parsing; empty otherwise. */
  tests: TestCaseResult[];
  /** True when the run passed: exit code 0, not timed out, not capped. */
  ok: boolean;
  /** The last part of the output, for display. */
  outputTail: string;
  /** What confined the run: "bwrap", "sandbox-exec" or "none". */
  sandbox: SandboxKind;
}

export interface Baseline {
  run: TestRunResult;
  /** Tests that failed on the unmodified tree (consistently). */
  failing: string[];
  /** Tests whose outcome changed between baseline re-runs. */
  flaky: string[];
}

/**
 * verified: tests pass (all previously failing ones fixed, nothing broken);
 * partial: fixes some failing tests but not all, breaks none; breaks: breaks a test that passed;
 * no-fix: applied, changes nothing; not-applied: no usable edit; error: the run itself failed (timeout, cap).
 */
export type Verdict = 'verified' | 'partial' | 'breaks' | 'no-fix' | 'not-applied' | 'error';
