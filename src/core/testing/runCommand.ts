// Runs one shell command the way test runs need it: in its own process group, with a time limit, an
// output cap (past it, reading stops and the run is killed) and, whatever happens, no process of it
// left behind afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import type { SandboxKind, WrappedCommand } from '../sandbox/types';
import { killGroup, killTagged, runTagVariable } from './killTree';

/**
 * How a command is started: plainly, or through a sandbox (which may need to look at the file system
 * first). The sandbox's WrappedCommand is the one description of a start; its `kind` is recorded with
 * the run's result.
 */
export interface CommandLauncher {
  wrap(spec: LaunchSpec): Promise<WrappedCommand>;
}

export interface LaunchSpec {
  /** Shell command line, for /bin/sh -c. */
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** Variables Hydrapatch set itself (report folders, runner options): a sandbox passes them although not on its allow-list. */
  passEnv?: string[];
}

export const unsandboxed: CommandLauncher = {
  wrap: async (spec) => ({ file: '/bin/sh', args: ['-c', spec.command], cwd: spec.cwd, env: spec.env, kind: 'none', enforcedLimits: [] }),
};

export interface RunCommandOptions {
  command: string;
  cwd: string;
  timeoutMs: number;
  outputCapBytes: number;
  env?: Record<string, string>;
  /** Names in `env` that Hydrapatch set itself (report folder, runner options): passed through a sandbox's allow-list. */
  passEnv?: string[];
  launcher?: CommandLauncher;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL when the time limit is hit. */
  graceMs?: number;
  /**
   * Folder where the run leaves a `tests-<tag>.tag` file while it runs, so that if this process
   * dies, the next run can kill what it left running (killRecordedRuns).
   */
  recordDir?: string;
}

export interface CommandOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputCapped: boolean;
  cancelled: boolean;
  durationMs: number;
  /** stdout and stderr interleaved, at most outputCapBytes bytes. */
  output: string;
  /** What confined the run. */
  launcher: SandboxKind;
}

/** Variables that make test tools print plain, parseable text. */
const plainOutput = { CI: '1', NO_COLOR: '1', FORCE_COLOR: '0', TERM: 'dumb', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };

export async function runCommand(options: RunCommandOptions): Promise<CommandOutcome> {
  const { timeoutMs, outputCapBytes } = options;
  if (!(timeoutMs > 0) || !(outputCapBytes > 0)) {
    throw new HydrapatchError('bad_option', `test time limit and output cap must be positive (got ${timeoutMs} ms, ${outputCapBytes} bytes).`, 'Pass --timeout and an output cap above zero.');
  }
  const launcher = options.launcher ?? unsandboxed;
  const tag = randomBytes(8).toString('hex');
  const baseEnv: Record<string, string> = {};
  // NODE_TEST_CONTEXT, set when Hydrapatch itself runs under node --test, would make a node test run
  // report to its parent in a binary format instead of printing results.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_TEST_CONTEXT') baseEnv[k] = v;
  const launch = await launcher.wrap({
    command: options.command,
    cwd: options.cwd,
    env: { ...baseEnv, ...plainOutput, ...options.env, [runTagVariable]: tag },
    passEnv: options.passEnv ?? [],
  });
  const record = options.recordDir === undefined ? undefined : join(options.recordDir, `tests-${tag}.tag`);
  if (record) await writeFile(record, tag);
  const started = performance.now();
  const child = spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let outputCapped = false;
    let cancelled = false;
    let exit: { code: number | null; signal: string | null } | null = null;
    let spawnError: Error | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), options.graceMs ?? 2000);
    };
    const onData = (d: Buffer) => {
      if (outputCapped) return;
      const room = outputCapBytes - bytes;
      if (d.length > room) {
        chunks.push(d.subarray(0, room));
        bytes = outputCapBytes;
        outputCapped = true;
        // Stop reading at once (a process printing without end must not fill memory) and kill hard.
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        return;
      }
      chunks.push(d);
      bytes += d.length;
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);

    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Children the command forked (and did not wait for) die with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      killTagged(tag);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (record) rmSync(record, { force: true });
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        outputCapped,
        cancelled,
        durationMs: Math.round(performance.now() - started),
        output: Buffer.concat(chunks).toString('utf8') + (spawnError ? `\n${spawnError.message}` : ''),
        launcher: launch.kind,
      });
    };
    child.on('error', (err) => {
      spawnError = err;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Output still in the pipes arrives before 'close'; a forked child holding the pipes open must
      // not keep the run alive, so the group is killed now and 'close' awaited only briefly.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      killTagged(tag);
      const grace = setTimeout(finish, 500);
      child.once('close', () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}
