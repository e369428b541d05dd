// Test runs through the sandbox helper: each run's command wrapped for bubblewrap / sandbox-exec, the
// worktree its only writable folder, the linked dependencies visible read-only, the other worktrees
// and the user's checkout hidden. The user's consent to run unsandboxed is asked once per solve.
import { wrapCommand } from '../sandbox/wrapCommand';
import type { ConsentRequest, SandboxMode } from '../sandbox/types';
import type { CommandLauncher } from '../testing/runCommand';

export interface SandboxLauncherOptions {
  mode: SandboxMode;
  allowUnsandboxed?: () => Promise<boolean>;
  /** Dependencies outside the worktree (the targets of linked node_modules, venvs). */
  readOnly: string[];
  /** Folders no test may see: the run folder of the other worktrees, the user's checkout. */
  hidden: string[];
}

export function sandboxLauncher(options: SandboxLauncherOptions): CommandLauncher {
  let consent: Promise<boolean> | undefined;
  const askOnce = (_request: ConsentRequest) => (consent ??= options.allowUnsandboxed ? options.allowUnsandboxed() : Promise.resolve(false));
  return {
    wrap: async (spec) => {
      const wrapped = await wrapCommand(
        { command: spec.command, cwd: spec.cwd, writable: [spec.cwd], readOnly: options.readOnly, hidden: options.hidden, env: spec.env },
        { mode: options.mode, consent: askOnce },
      );
      return { file: wrapped.file, args: wrapped.args, cwd: wrapped.cwd, env: wrapped.env, kind: wrapped.kind };
    },
  };
}
