import { lstat, readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { readWorktreeInclude } from '../worktree/linkPaths';
import { secretPaths } from './secretPaths';
import type { SandboxSpec } from './types';

/** Every path a sandbox needs, resolved to real, existing paths (mounts and profiles need those). */
export interface SandboxPaths {
  cwd: string;
  writable: string[];
  /** The system folders shown read-only as they are (/usr, /etc, /opt, …). */
  system: string[];
  /** Top-level links of the system (/bin -> usr/bin on merged-/usr systems), made again as links. */
  systemLinks: { path: string; target: string }[];
  /** Folders of the tools on PATH and of the language environments, shown read-only. */
  tools: string[];
  /** The home the run sees: an empty, writable tmpfs at this path (tools shown inside it). */
  home: string;
  /** Shown read-only over the hidden ones: explicit ones, dependency links and the worktree's git dir. */
  readOnly: string[];
  /**
   * node_modules folders among readOnly, shown with a writable top level (each package read-only
   * inside it), where tools write their caches (.cache, .vite); the user's own caches are left out.
   */
  openTops: { dir: string; entries: string[] }[];
  hiddenDirs: string[];
  hiddenFiles: string[];
  secretDirs: string[];
  secretFiles: string[];
  /** Shared scratch and socket folders (/tmp, /var/tmp, /run): private on Linux; macOS's profile ignores them. */
  scratchDirs: string[];
  /**
   * Read-only inside the writable folders: each worktree's `.git`. Git outside the sandbox reads it
   * after the run (reset, diff); a candidate that replaced it with a repository of its own, whose
   * config names a command (core.fsmonitor, a diff driver), would run that command unsandboxed.
   */
  protectedPaths: string[];
}

const SCRATCH_DIRS = ['/tmp', '/var/tmp', '/run'];

// What a run may see of the system. Not /var, /srv, /mnt, /media or any home: they hold other
// people's data and the sockets of services (a read-only mount does not stop connect() on a socket).
const SYSTEM_DIRS = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/nix', '/gnu', '/snap', '/sys'];

// Where language environments live: named by a variable, or under a home by convention.
const ENV_TOOL_VARS = ['VIRTUAL_ENV', 'CONDA_PREFIX', 'GOROOT', 'GOPATH', 'GOMODCACHE', 'CARGO_HOME', 'RUSTUP_HOME', 'JAVA_HOME', 'NVM_DIR', 'PYENV_ROOT', 'RBENV_ROOT', 'VOLTA_HOME', 'BUN_INSTALL', 'DENO_DIR', 'GRADLE_USER_HOME', 'GEM_HOME'];
const HOME_TOOL_DIRS = ['.nvm', '.pyenv', '.rbenv', '.cargo', '.rustup', 'go', '.local/bin', '.local/lib', '.deno', '.bun', '.volta', '.sdkman', '.m2/repository', '.gradle/caches', '.gradle/wrapper', '.cache/ms-playwright'];
// Cache folders tools keep in node_modules: never shown from the user's tree, made fresh per run.
const NODE_CACHES = new Set(['.cache', '.vite', '.vite-temp', '.vitest']);
// Past this many entries a node_modules is shown read-only whole (one mount per entry otherwise).
const MOST_OPEN_TOP_ENTRIES = 5000;

async function realIfExists(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Dependencies reached from the worktree through links (node_modules, .venv linked to the user's
 * checkout; nested ones named in .worktreeinclude, as the worktree pool links them) and the git dir
 * a worktree's `.git` file names: they must stay readable even when the folder they live in is hidden.
 * A link left by an earlier run in a worktree the pool did not reset could show a hidden folder this
 * way, read-only; secrets stay hidden regardless, because their masks are mounted after these.
 */
async function linkedFromWorktree(worktree: string): Promise<string[]> {
  const found: string[] = [];
  const candidates = [...(await readdir(worktree).catch(() => [] as string[])), ...(await readWorktreeInclude(worktree))];
  for (const name of new Set(candidates)) {
    const path = join(worktree, name);
    if (!(await lstat(path).catch(() => undefined))?.isSymbolicLink()) continue;
    const target = await realIfExists(path);
    if (target && !inside(target, worktree)) found.push(target);
  }
  const dotGit = await readFile(join(worktree, '.git'), 'utf8').catch(() => undefined);
  const gitdirLine = dotGit?.match(/^gitdir:\s*(.+)$/m)?.[1]?.trim();
  if (gitdirLine) {
    const gitdir = await realIfExists(resolve(worktree, gitdirLine));
    if (gitdir) {
      found.push(gitdir);
      const common = (await readFile(join(gitdir, 'commondir'), 'utf8').catch(() => undefined))?.trim();
      const commonDir = common ? await realIfExists(resolve(gitdir, common)) : undefined;
      if (commonDir) found.push(commonDir);
    }
  }
  return found;
}

async function existing(paths: string[]): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const real = await realIfExists(p);
    if (!real) continue;
    if (await isDir(real)) dirs.push(real);
    else files.push(real);
  }
  return { dirs, files };
}

const unique = (paths: string[]): string[] => [...new Set(paths)];

/** A PATH folder's install: `~/.pyenv` for `~/.pyenv/shims`, the folder itself where its parent is a home or ~/.local. */
function toolRoot(dir: string, homes: string[]): string {
  const parent = dirname(dir);
  const grouped = ['bin', 'sbin', 'shims'].includes(basename(dir));
  const tooBroad = homes.some((h) => parent === h || parent === join(h, '.local')) || parent === '/';
  return grouped && !tooBroad ? parent : dir;
}

async function toolDirs(env: NodeJS.ProcessEnv, homes: string[]): Promise<string[]> {
  const wanted: string[] = [];
  for (const entry of (env.PATH ?? '').split(':')) if (isAbsolute(entry)) wanted.push(toolRoot(entry, homes));
  for (const name of ENV_TOOL_VARS) for (const entry of (env[name] ?? '').split(':')) if (isAbsolute(entry)) wanted.push(entry);
  for (const home of homes) for (const rel of HOME_TOOL_DIRS) wanted.push(join(home, rel));
  return (await existing(wanted)).dirs;
}

async function openTop(dir: string): Promise<{ dir: string; entries: string[] } | undefined> {
  if (basename(dir) !== 'node_modules') return undefined;
  const entries = (await readdir(dir).catch(() => [] as string[])).filter((e) => !NODE_CACHES.has(e));
  return entries.length <= MOST_OPEN_TOP_ENTRIES ? { dir, entries } : undefined;
}

/** The run's home: the given one where it is a plain absolute path, else a stand-in. */
function runHome(spec: SandboxSpec): string {
  const home = spec.home ?? spec.env.HOME ?? homedir();
  return isAbsolute(home) && resolve(home) !== '/' ? resolve(home) : '/home/hydrapatch';
}

export async function resolveSandboxPaths(spec: SandboxSpec): Promise<SandboxPaths> {
  if (spec.writable.length === 0) {
    throw new HydrapatchError('sandbox_no_worktree', 'the sandbox was given no writable folder', 'pass the worktree in writable');
  }
  const writable: string[] = [];
  for (const w of spec.writable) {
    const real = await realIfExists(w);
    if (!real || !(await isDir(real))) {
      throw new HydrapatchError('sandbox_missing_path', `writable folder ${w} does not exist`, 'create the worktree before wrapping its test command');
    }
    writable.push(real);
  }
  const cwd = await realIfExists(spec.cwd);
  if (!cwd || !(await isDir(cwd))) {
    throw new HydrapatchError('sandbox_missing_path', `working directory ${spec.cwd} does not exist`, 'run the tests in an existing worktree');
  }
  const linked = (await Promise.all(writable.map(linkedFromWorktree))).flat();
  const shown = await existing([...(spec.readOnly ?? []), ...linked]);
  const hidden = await existing(spec.hidden ?? []);
  const home = runHome(spec);
  // The run's home and, when that differs, the home of the user running Hydrapatch: both hold keys.
  const homes = unique([home, homedir()]);
  const isHidden = (p: string) => hidden.dirs.some((h) => inside(p, h));
  const notInsideWritable = (p: string) => !writable.some((w) => inside(p, w));
  const systemLinks: SandboxPaths['systemLinks'] = [];
  const system: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const info = await lstat(dir).catch(() => undefined);
    if (info?.isSymbolicLink()) systemLinks.push({ path: dir, target: await readlink(dir) });
    else if (info?.isDirectory()) system.push(dir);
  }
  const inSystem = (p: string) => system.some((d) => inside(p, d)) || systemLinks.some((l) => inside(p, l.path));
  const scratch = (p: string) => [...SCRATCH_DIRS, '/dev', '/proc'].some((d) => inside(p, d));
  const tools = unique(await toolDirs(spec.env, homes))
    .filter((t) => t !== '/' && !homes.includes(t) && !inSystem(t) && !scratch(t) && !isHidden(t) && notInsideWritable(t));
  const readOnly = unique([...shown.dirs, ...shown.files]).filter(notInsideWritable);
  const secrets = homes.map(secretPaths);
  const secretDirs = (await existing(secrets.flatMap((x) => x.dirs))).dirs;
  const secretFiles = (await existing(secrets.flatMap((x) => x.files))).files;
  const openTops = (await Promise.all(readOnly.map(openTop))).filter((o) => o !== undefined);
  return {
    cwd,
    writable: unique(writable),
    system,
    systemLinks,
    tools: tools.filter((t, i) => !tools.some((o, j) => j !== i && o !== t && inside(t, o))),
    home,
    readOnly,
    openTops,
    hiddenDirs: unique(hidden.dirs).filter(notInsideWritable),
    hiddenFiles: unique(hidden.files).filter(notInsideWritable),
    secretDirs: unique(secretDirs).filter(notInsideWritable),
    secretFiles: unique(secretFiles).filter(notInsideWritable),
    scratchDirs: unique((await existing(SCRATCH_DIRS)).dirs),
    protectedPaths: (await Promise.all(writable.map((w) => lstat(join(w, '.git')).then(() => [join(w, '.git')], () => [])))).flat(),
  };
}
