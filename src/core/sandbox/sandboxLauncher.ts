import { wrapCommand } from './wrapCommand';
import type { ConsentRequest, SandboxLimits, SandboxPolicy, WrappedCommand } from './types';

export interface SandboxLauncherOptions {
  policy: SandboxPolicy;
  /** Hidden in every run: the worktree pool, the user's checkout. */
  hidden?: string[];
  /** Shown read-only in every run: dependencies outside the worktree not reached by a link from it. */
  readOnly?: string[];
  /** Whose secrets to hide; default the run's HOME. */
  home?: string;
  limits?: Partial<SandboxLimits>;
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
  wrap(spec: { command: string; cwd: string; env: NodeJS.ProcessEnv }): Promise<WrappedCommand>;
} {
  const policy: SandboxPolicy = { ...options.policy, consent: askOnce(options.policy.consent) };
  return {
    wrap: (spec) =>
      wrapCommand(
        {
          command: spec.command,
          cwd: spec.cwd,
          env: spec.env,
          writable: options.writableFor?.(spec.cwd) ?? [spec.cwd],
          readOnly: options.readOnly,
          hidden: options.hidden,
          home: options.home,
          limits: options.limits,
          tempDir: options.tempDirFor?.(spec.cwd),
        },
        policy,
      ),
  };
}
