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

function inside(child: string, parent: string): boolean {
  return child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

/**
 * Mount arguments, tracking the tmpfs mounts made so far: bwrap makes the missing parents of a later
 * mount point inside a tmpfs with mode 0700, which a root run's throw-away uid could not enter, so
 * they are made first, world-searchable.
 */
class Mounts {
  readonly args: string[] = [];
  private readonly tmpfs: string[] = [];
  private readonly made = new Set<string>();

  private parents(target: string): void {
    const parts = target.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i += 1) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (this.made.has(dir) || this.tmpfs.includes(dir) || !this.tmpfs.some((t) => inside(dir, t))) continue;
      this.made.add(dir);
      this.args.push('--perms', '0755', '--dir', dir);
    }
  }

  tmp(dir: string, perms: string): void {
    this.parents(dir);
    this.args.push('--perms', perms, '--tmpfs', dir);
    this.tmpfs.push(dir);
  }

  bind(flag: '--bind' | '--ro-bind', source: string, target: string): void {
    this.parents(target);
    this.args.push(flag, source, target);
  }
}

/**
 * bwrap arguments for one test command. Mount order matters (later mounts cover earlier ones): the
 * whole FS read-only; fresh scratch tmpfs; hidden folders; dependencies shown again read-only; secrets
 * hidden again; the worktree writable; its .git read-only again.
 */
export function bwrapArgs(command: string, paths: SandboxPaths, limits: SandboxLimits, tools: BwrapTools, root?: RootRun): string[] {
  const m = new Mounts();
  m.args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  // Scratch folders (and POSIX shared memory, for Python's multiprocessing) are shared by every
  // user, sticky like the real /tmp.
  for (const d of ['/dev/shm', ...paths.scratchDirs]) m.tmp(d, '1777');
  for (const d of paths.hiddenDirs) m.tmp(d, '0755');
  for (const f of paths.hiddenFiles) m.bind('--ro-bind', '/dev/null', f);
  for (const r of paths.readOnly) m.bind('--ro-bind', r, r);
  for (const d of paths.secretDirs) m.tmp(d, '0755');
  for (const f of paths.secretFiles) m.bind('--ro-bind', '/dev/null', f);
  for (const w of paths.writable) m.bind('--bind', w, w);
  for (const p of paths.protectedPaths) m.bind('--ro-bind', p, p);
  const args = m.args;
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
