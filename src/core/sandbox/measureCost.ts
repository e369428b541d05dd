import { spawn } from 'node:child_process';
import { HydrapatchError } from '../../protocol/errors';
import { wrapCommand } from './wrapCommand';
import type { SandboxInfo, SandboxKind, SandboxLimits } from './types';

export interface SandboxCostOptions {
  /** The project's test command, run in `cwd` (a worktree with its dependencies linked). */
  command: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Timed runs of each kind, after one untimed warm-up of each; default 5. */
  runs?: number;
  hidden?: string[];
  readOnly?: string[];
  limits?: Partial<SandboxLimits>;
  info?: SandboxInfo;
}

export interface SandboxCost {
  kind: SandboxKind;
  runs: number;
  plainMs: number[];
  sandboxedMs: number[];
  plainMedianMs: number;
  sandboxedMedianMs: number;
  /** sandboxedMedianMs / plainMedianMs: what the sandbox costs per test run (goal ≤ 1.2 on the JS fixture). */
  ratio: number;
}

function timeRun(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new HydrapatchError('sandbox_cost_failed', `the test command exited with ${code} while measuring the sandbox's cost: ${stderr.trim()}`, 'measure on a test suite that passes, inside and outside the sandbox'));
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times the same passing test command plainly (/bin/sh -c) and sandboxed (mode "required"),
 * alternating the two so that machine load hits both alike, and reports the ratio of the medians.
 */
export async function measureSandboxCost(options: SandboxCostOptions): Promise<SandboxCost> {
  const runs = options.runs ?? 5;
  const env = options.env ?? process.env;
  const wrap = () => wrapCommand(
    { command: options.command, cwd: options.cwd, writable: [options.cwd], env, hidden: options.hidden, readOnly: options.readOnly, limits: options.limits },
    { mode: 'required', info: options.info },
  );
  let kind = (await wrap()).kind;
  const plain = () => timeRun('/bin/sh', ['-c', options.command], options.cwd, env);
  // Wrapped afresh before each run, as the runner does: a root run hands the folder to its own uid,
  // and files the plain run made since are the caller's again.
  const sandboxed = async () => {
    const wrapped = await wrap();
    kind = wrapped.kind;
    return timeRun(wrapped.file, wrapped.args, wrapped.cwd, wrapped.env);
  };
  await plain();
  await sandboxed();
  const plainMs: number[] = [];
  const sandboxedMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    plainMs.push(await plain());
    sandboxedMs.push(await sandboxed());
  }
  const plainMedianMs = median(plainMs);
  const sandboxedMedianMs = median(sandboxedMs);
  return { kind, runs, plainMs, sandboxedMs, plainMedianMs, sandboxedMedianMs, ratio: sandboxedMedianMs / plainMedianMs };
}
