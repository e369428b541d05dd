import { totalmem } from 'node:os';
import { readGitIdentity } from './gitIdentity';
import { resolveLimits, scratchPerRun } from './limits';
import { wrapCommand } from './wrapCommand';
import type { ConsentRequest, GitIdentity, SandboxLimits, SandboxPolicy, WrappedCommand } from './types';

export interface SandboxLauncherOptions {
  policy: SandboxPolicy;
  /** Hidden in every run: the worktree pool, the user's checkout. */
  hidden?: string[];
  /** Shown read-only in every run: dependencies outside the worktree not reached by a link from it. */
  readOnly?: string[];
  /** The home the runs see (empty but for tool folders); default the run's HOME. */
  home?: string;
  limits?: Partial<SandboxLimits>;
  /** Runs at once: their scratch together stays under a quarter of the machine's memory. Default 1. */
  parallelRuns?: number;
  /** Variables passed on to the runs although not on the allow-list. */
  passEnv?: string[];
  /** Folders a run in `cwd` may change; default [cwd] (the runner starts tests in the worktree root). */
  writableFor?: (cwd: string) => string[];
  /** macOS only: the private temp folder (which the caller creates and removes) for a run in `cwd`; default one per run, made and removed by the run. */
  tempDirFor?: (cwd: string) => string;
}

/** One consent answer for the launcher's lifetime (one workspace, one pipeline run), asked at most once. */
function askOnce(consent: SandboxPolicy['consent']): SandboxPolicy['consent'] {
  if (!consent) return undefined;
  let answer: Promise<boolean> | undefined;
  return (request: ConsentRequest) => (answer ??= consent(request));
}

/**
 * A launcher for src/core/testing's runCommand (its CommandLauncher shape): every test command of a
 * pipeline run goes through wrapCommand with the same policy, and the user is asked at most once.
 */
export function sandboxLauncher(options: SandboxLauncherOptions): {
  wrap(spec: { command: string; cwd: string; env: NodeJS.ProcessEnv; passEnv?: string[] }): Promise<WrappedCommand>;
} {
  const policy: SandboxPolicy = { ...options.policy, consent: askOnce(options.policy.consent) };
  const limits = resolveLimits(options.limits);
  limits.scratchBytes = scratchPerRun(limits.scratchBytes, options.parallelRuns ?? 1, totalmem());
  // Read once, from the first worktree (all share the user's repository config).
  let identity: Promise<GitIdentity> | undefined;
  return {
    wrap: async (spec) =>
      wrapCommand(
        {
          command: spec.command,
          cwd: spec.cwd,
          env: spec.env,
          writable: options.writableFor?.(spec.cwd) ?? [spec.cwd],
          readOnly: options.readOnly,
          hidden: options.hidden,
          home: options.home,
          limits,
          passEnv: [...(options.passEnv ?? []), ...(spec.passEnv ?? [])],
          gitIdentity: await (identity ??= readGitIdentity(spec.cwd)),
          tempDir: options.tempDirFor?.(spec.cwd),
        },
        policy,
      ),
  };
}
