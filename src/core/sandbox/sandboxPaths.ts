import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { readWorktreeInclude } from '../worktree/linkPaths';
import { secretPaths } from './secretPaths';
import type { SandboxSpec } from './types';

/** Every path a sandbox needs, resolved to real, existing paths (mounts and profiles need those). */
export interface SandboxPaths {
  cwd: string;
  writable: string[];
  /** Shown read-only over the hidden ones: explicit ones, dependency links and the worktree's git dir. */
  readOnly: string[];
  hiddenDirs: string[];
  hiddenFiles: string[];
  secretDirs: string[];
  secretFiles: string[];
  /** Shared scratch and socket folders (/tmp, /var/tmp, /run) that a fresh tmpfs replaces on Linux. */
  scratchDirs: string[];
  /**
   * Read-only inside the writable folders: each worktree's `.git`. Git outside the sandbox reads it
   * after the run (reset, diff); a candidate that replaced it with a repository of its own, whose
   * config names a command (core.fsmonitor, a diff driver), would run that command unsandboxed.
   */
  protectedPaths: string[];
}

// /run holds sockets (docker, the session bus, ssh-agent) that a read-only mount does not protect:
// connect() on a socket ignores the mount's read-only flag.
const SCRATCH_DIRS = ['/tmp', '/var/tmp', '/run'];

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

export async function resolveSandboxPaths(spec: SandboxSpec): Promise<SandboxPaths> {
  if (spec.writable.length === 0) {
    throw new HydrapatchError('sandbox-no-worktree', 'the sandbox was given no writable folder', 'pass the worktree in writable');
  }
  const writable: string[] = [];
  for (const w of spec.writable) {
    const real = await realIfExists(w);
    if (!real || !(await isDir(real))) {
      throw new HydrapatchError('sandbox-missing-path', `writable folder ${w} does not exist`, 'create the worktree before wrapping its test command');
    }
    writable.push(real);
  }
  const cwd = await realIfExists(spec.cwd);
  if (!cwd || !(await isDir(cwd))) {
    throw new HydrapatchError('sandbox-missing-path', `working directory ${spec.cwd} does not exist`, 'run the tests in an existing worktree');
  }
  const linked = (await Promise.all(writable.map(linkedFromWorktree))).flat();
  const shown = await existing([...(spec.readOnly ?? []), ...linked]);
  const readOnly = [...shown.dirs, ...shown.files];
  const hidden = await existing(spec.hidden ?? []);
  // The run's home and, when that differs, the home of the user running Hydrapatch: both hold keys.
  const homes = unique([spec.home ?? spec.env.HOME ?? homedir(), homedir()]);
  const secrets = homes.map(secretPaths);
  const secretDirs = (await existing(secrets.flatMap((s) => s.dirs))).dirs;
  const secretFiles = (await existing(secrets.flatMap((s) => s.files))).files;
  // A hidden folder that holds a writable one (the pool around this worktree) stays hidden around it;
  // one inside a writable folder would hide the candidate's own files, so it is ignored.
  const notInsideWritable = (p: string) => !writable.some((w) => inside(p, w));
  return {
    cwd,
    writable: unique(writable),
    readOnly: unique(readOnly).filter(notInsideWritable),
    hiddenDirs: unique(hidden.dirs).filter(notInsideWritable),
    hiddenFiles: unique(hidden.files).filter(notInsideWritable),
    secretDirs: unique(secretDirs).filter(notInsideWritable),
    secretFiles: unique(secretFiles).filter(notInsideWritable),
    scratchDirs: unique((await existing(SCRATCH_DIRS)).dirs),
    protectedPaths: (await Promise.all(writable.map((w) => lstat(join(w, '.git')).then(() => [join(w, '.git')], () => [])))).flat(),
  };
}

/**
 * Whether a uid that owns nothing could walk to every path the run needs. A root run drops to a
 * throw-away uid so that its process limit holds, and keeps CAP_DAC_OVERRIDE to use root's files;
 * but access(2), which git and shells use to probe paths, ignores capabilities for a non-root uid, so
 * a path below a 0700 folder (a home such as /root) would look missing to them. Folders below a
 * sandbox tmpfs are made 0755 and need no check.
 */
export async function worldTraversable(paths: SandboxPaths): Promise<boolean> {
  const masks = [...paths.scratchDirs, ...paths.hiddenDirs, ...paths.secretDirs];
  const seen = new Set<string>();
  for (const target of [paths.cwd, ...paths.writable, ...paths.readOnly]) {
    for (let dir = dirname(target); !seen.has(dir); dir = dirname(dir)) {
      seen.add(dir);
      if (!masks.some((m) => inside(dir, m))) {
        const mode = (await stat(dir).catch(() => undefined))?.mode ?? 0;
        if ((mode & 0o001) === 0) return false;
      }
      if (dir === dirname(dir)) break;
    }
  }
  return true;
}
