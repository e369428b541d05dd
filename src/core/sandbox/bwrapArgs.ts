import type { SandboxLimits } from './types';
import type { SandboxPaths } from './sandboxPaths';
import { prlimitArgs } from './limits';

export interface BwrapTools {
  prlimit: string;
  setpriv: string;
}

/**
 * The uid a run switches to when Hydrapatch runs as real root. The kernel never applies RLIMIT_NPROC
 * to real uid 0 (not even inside a user namespace, where uid 0 outside is still root's user_struct), so
 * a root run drops to a fresh, unused uid: its process count then starts at zero and is its own.
 */
export interface RootRun {
  uid: number;
}

// Capabilities a root run keeps after dropping to its throw-away uid: enough to write the worktree's
// root-owned files and chmod them, nothing that would lift a mount, a limit or a namespace.
const ROOT_RUN_CAPS = ['dac_override', 'fowner'];

/**
 * bwrap arguments for one test command. Mount order matters (later mounts cover earlier ones): the
 * whole FS read-only; fresh scratch tmpfs; hidden folders; dependencies shown again read-only; secrets
 * hidden again; the worktree writable last.
 */
export function bwrapArgs(command: string, paths: SandboxPaths, limits: SandboxLimits, tools: BwrapTools, root?: RootRun): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const d of paths.scratchDirs) args.push('--tmpfs', d);
  for (const d of paths.hiddenDirs) args.push('--tmpfs', d);
  for (const f of paths.hiddenFiles) args.push('--ro-bind', '/dev/null', f);
  for (const r of paths.readOnly) args.push('--ro-bind', r, r);
  for (const d of paths.secretDirs) args.push('--tmpfs', d);
  for (const f of paths.secretFiles) args.push('--ro-bind', '/dev/null', f);
  for (const w of paths.writable) args.push('--bind', w, w);
  args.push(
    '--chdir', paths.cwd,
    '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--hostname', 'hydrapatch-sandbox',
    '--die-with-parent', '--new-session',
  );
  if (root) {
    const caps = ROOT_RUN_CAPS.map((c) => `+${c}`).join(',');
    args.push(
      '--cap-add', 'CAP_SETUID,CAP_SETGID,CAP_DAC_OVERRIDE,CAP_FOWNER',
      '--', tools.setpriv,
      `--reuid=${root.uid}`, `--regid=${root.uid}`, '--clear-groups',
      `--bounding-set=-all,${caps}`, `--inh-caps=-all,${caps}`, `--ambient-caps=-all,${caps}`,
      '--no-new-privs', '--',
    );
  } else {
    args.push('--unshare-user', '--cap-drop', 'ALL', '--');
  }
  args.push(tools.prlimit, ...prlimitArgs(limits), '--', '/bin/sh', '-c', command);
  return args;
}
