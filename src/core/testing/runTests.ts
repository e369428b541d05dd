// One test run in a tree: the command run with its limits, its results read from the report the runner
// was asked to write (see reports/testReports) or, failing that, parsed out of its output.
import { realpathSync } from 'node:fs';
import type { TestRunResult } from './types';
import { parseTestOutput } from './parseTestOutput';
import { prepareReports, readReports } from './reports/testReports';
import { runCommand, type RunCommandOptions } from './runCommand';

const tailBytes = 4000;

export interface RunTestsOptions extends RunCommandOptions {
  /** Folder outside the worktree (writable by the run) where runners write their reports; none: output only. */
  reportDir?: string;
}

export async function runTests(options: RunTestsOptions): Promise<TestRunResult> {
  const reports = options.reportDir === undefined ? undefined : await prepareReports(options.reportDir, options.command, { ...process.env, ...options.env });
  const outcome = await runCommand(reports ? { ...options, command: reports.command, env: { ...options.env, ...reports.env }, passEnv: [...(options.passEnv ?? []), ...Object.keys(reports.env)] } : options);
  let real = options.cwd;
  try {
    real = realpathSync(options.cwd);
  } catch {
    // a folder that is gone: the output names it as given, if at all
  }
  const report = options.reportDir === undefined ? null : await readReports(options.reportDir, outcome.output, [options.cwd, real]);
  const parsed = report && report.tests.length > 0 ? report : parseTestOutput(outcome.output, options.cwd, real);
  return {
    command: options.command,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    outputCapped: outcome.outputCapped,
    ...(outcome.cancelled ? { cancelled: true } : {}),
    durationMs: outcome.durationMs,
    format: parsed.format,
    tests: parsed.tests,
    ok: outcome.exitCode === 0 && !outcome.timedOut && !outcome.outputCapped && !outcome.cancelled,
    outputTail: outcome.output.length > tailBytes ? outcome.output.slice(-tailBytes) : outcome.output,
    sandbox: outcome.launcher,
  };
}
