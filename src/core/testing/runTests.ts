// One test run in a tree: the command run with its limits, its output parsed into per-test results.
import { realpathSync } from 'node:fs';
import type { TestRunResult } from '../pipeline/types';
import { parseTestOutput } from './parseTestOutput';
import { runCommand, type RunCommandOptions } from './runCommand';

const tailBytes = 4000;

export async function runTests(options: RunCommandOptions): Promise<TestRunResult> {
  const outcome = await runCommand(options);
  let real = options.cwd;
  try {
    real = realpathSync(options.cwd);
  } catch {
    // a folder that is gone: the output names it as given, if at all
  }
  const parsed = parseTestOutput(outcome.output, options.cwd, real);
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
