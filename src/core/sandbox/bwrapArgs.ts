import type { SandboxLimits } from './types';
import type { SandboxPaths } from './sandboxPaths';
import { prlimitArgs, scratchSizes } from './limits';

export interface BwrapTools {
  prlimit: string;
  setpriv: string;
}

/**
 * The uid a run switches to when Hydrapatch runs as real root. The kernel never applies RLIMIT_NPROC
 * to real uid 0, and a user namespace of root's maps back to uid 0, the owner of /etc/shadow; so a
 * root run drops to a fresh, unused uid (its process count starts at zero and is its own) with no
 * capabilities at all. wrapCommand hands it the worktree.
 */
export interface RootRun {
  uid: number;
}

/** What the run gets besides the command: its git config (the user's name and email only). */
export interface RunSetup {
  gitConfig?: string;
}

// The sandbox's socket folder: empty and read-only, but present for tools that expect it.
const RUN_DIR_BYTES = 64 * 1024;
// Masks (hidden folders) are read-only, empty tmpfs; the size only bounds what mounting them costs.
const MASK_BYTES = 64 * 1024;

function inside(child: string, parent: string): boolean {
  return parent === '/' || child === parent || child.startsWith(`${parent}/`);
}

/**
 * Mount arguments. The sandbox's root is bwrap's own empty tmpfs; every folder a mount needs that is
 * not shown from the host is made first, world-searchable (bwrap would make it 0700, which a root
 * run's throw-away uid could not enter).
 */
class Mounts {
  readonly args: string[] = [];
  private readonly targets: string[] = ['/'];
  private readonly binds: string[] = [];
  private readonly made = new Set<string>();
  readonly readOnlyAtEnd: string[] = ['/'];

  private parents(target: string): void {
    const parts = target.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i += 1) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (this.made.has(dir) || this.targets.includes(dir) || this.binds.some((b) => inside(dir, b))) continue;
      this.made.add(dir);
      this.args.push('--perms', '0755', '--dir', dir);
    }
  }

  tmp(dir: string, perms: string, bytes: number, readOnly = false): void {
    this.parents(dir);
    this.args.push('--perms', perms, '--size', String(bytes), '--tmpfs', dir);
    this.targets.push(dir);
    if (readOnly) this.readOnlyAtEnd.push(dir);
  }

  bind(flag: '--bind' | '--ro-bind', source: string, target: string): void {
    this.parents(target);
    this.args.push(flag, source, target);
    this.targets.push(target);
    this.binds.push(target);
  }

  link(target: string, path: string): void {
    this.parents(path);
    this.args.push('--symlink', target, path);
  }

  special(flag: '--dev' | '--proc', path: string): void {
    this.args.push(flag, path);
    this.targets.push(path);
    this.binds.push(path);
  }

  /** Read-only remounts last: a mount point cannot be made inside a folder once it is read-only. */
  finish(): string[] {
    for (const dir of this.readOnlyAtEnd) this.args.push('--remount-ro', dir);
    return this.args;
  }
}

/**
 * bwrap arguments for one test command. Mount order matters (later mounts cover earlier ones): the
 * system folders read-only; fresh scratch, home and /run; the tool folders read-only; hidden folders;
 * dependencies shown read-only (node_modules with a writable top level); secrets hidden again; the
 * worktree writable; its .git read-only again; then the root and the masks remounted read-only.
 */
export function bwrapArgs(command: string, paths: SandboxPaths, limits: SandboxLimits, tools: BwrapTools, root?: RootRun, setup: RunSetup = {}): string[] {
  const m = new Mounts();
  const sizes = scratchSizes(limits.scratchBytes, paths.openTops.length);
  // A root run's throw-away uid does not own what root mounts: its writable tmpfs are open to all.
  const own = root ? '1777' : '0755';
  for (const d of paths.system) m.bind('--ro-bind', d, d);
  for (const l of paths.systemLinks) m.link(l.target, l.path);
  m.special('--dev', '/dev');
  m.special('--proc', '/proc');
  // Scratch is shared by every user, sticky like the real /tmp; POSIX shared memory (Python's
  // multiprocessing) gets its own share.
  m.tmp('/tmp', '1777', sizes.tmp);
  m.link('/tmp', '/var/tmp');
  m.tmp('/dev/shm', '1777', sizes.shm);
  m.tmp('/run', '0755', RUN_DIR_BYTES, true);
  if (!['/tmp', '/run', '/dev'].some((d) => inside(paths.home, d))) m.tmp(paths.home, own, sizes.home);
  for (const t of paths.tools) m.bind('--ro-bind', t, t);
  // A mask matters only where something shown would show what it covers; elsewhere it would only
  // make an empty folder appear.
  const visible = [...paths.system, ...paths.tools];
  const covered = (p: string, by: string[]) => by.some((v) => inside(p, v));
  for (const d of paths.hiddenDirs.filter((p) => covered(p, visible))) m.tmp(d, '0755', MASK_BYTES, true);
  for (const f of paths.hiddenFiles.filter((p) => covered(p, visible))) m.bind('--ro-bind', '/dev/null', f);
  const open = new Map(paths.openTops.map((o) => [o.dir, o.entries]));
  for (const r of paths.readOnly) {
    const entries = open.get(r);
    if (!entries) {
      m.bind('--ro-bind', r, r);
      continue;
    }
    m.tmp(r, own, sizes.top);
    for (const e of entries) m.bind('--ro-bind', `${r}/${e}`, `${r}/${e}`);
  }
  const shown = [...visible, ...paths.readOnly];
  for (const d of paths.secretDirs.filter((p) => covered(p, shown))) m.tmp(d, '0755', MASK_BYTES, true);
  for (const f of paths.secretFiles.filter((p) => covered(p, shown))) m.bind('--ro-bind', '/dev/null', f);
  for (const w of paths.writable) m.bind('--bind', w, w);
  for (const p of paths.protectedPaths) m.bind('--ro-bind', p, p);
  const args = m.finish();
  args.push(
    '--chdir', paths.cwd,
    '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--hostname', 'hydrapatch-sandbox',
    '--die-with-parent', '--new-session',
  );
  if (root) {
    args.push(
      '--cap-add', 'CAP_SETUID,CAP_SETGID',
      '--', tools.setpriv,
      `--reuid=${root.uid}`, `--regid=${root.uid}`, '--clear-groups',
      '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all',
      '--no-new-privs', '--',
    );
  } else {
    args.push('--unshare-user', '--cap-drop', 'ALL', '--');
  }
  args.push(tools.prlimit, ...prlimitArgs(limits), '--', ...shellWithSetup(command, setup));
  return args;
}

/** /bin/sh -c command, after writing the run's git config into its (fresh) home. */
function shellWithSetup(command: string, setup: RunSetup): string[] {
  if (setup.gitConfig === undefined) return ['/bin/sh', '-c', command];
  return ['/bin/sh', '-c', '{ printf "%s" "$1" > "$HOME/.gitconfig"; } 2>/dev/null; exec /bin/sh -c "$2"', 'hydrapatch-sandbox', setup.gitConfig, command];
}
