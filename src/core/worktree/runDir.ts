// One folder per run under os.tmpdir()/hydrapatch-<repo hash>/, with an owner file naming the process.
// A run that dies (SIGKILL, power loss) cannot clean up, so every new run first removes the folders
// and worktree records of runs whose owner is gone.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { HydrapatchError } from '../../protocol/errors';
import { isNoSpace, noSpaceError } from './noSpace';
import { removeTree } from './removeTree';

interface Owner {
  pid: number;
  /** Process start time (Linux clock ticks since boot) to tell a reused pid from the owner. */
  startTime: string | null;
  host: string;
}

/** A run folder with no owner file yet is only treated as dead after this long (it may be starting). */
const ownerlessGraceMs = 60_000;

export function runsBase(repoRoot: string): string {
  const hash = createHash('sha256').update(repoRoot).digest('hex').slice(0, 12);
  return join(tmpdir(), `hydrapatch-${hash}`);
}

function processStartTime(pid: number): string | null {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // a tmpdir shared across machines: not ours to judge
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTime(owner.pid);
  return owner.startTime === null || now === null || now === owner.startTime;
}

export async function createRunDir(repoRoot: string): Promise<string> {
  const base = runsBase(repoRoot);
  await mkdir(base, { recursive: true, mode: 0o700 });
  // In a temp folder shared with other users, the name could have been taken first (e.g. a symlink
  // to somewhere of theirs): only a real folder of our own is used.
  const info = await lstat(base);
  if (!info.isDirectory() || (process.getuid !== undefined && info.uid !== process.getuid())) {
    throw new HydrapatchError('unsafe_temp', `${base} is not a folder owned by this user.`, 'Remove it, or point TMPDIR at a private folder.');
  }
  const dir = join(base, `run-${process.pid}-${randomBytes(4).toString('hex')}`);
  const owner: Owner = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname() };
  try {
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, 'owner.json'), JSON.stringify(owner));
  } catch (err) {
    await removeTree(dir);
    if (isNoSpace(err)) throw noSpaceError(base, 'creating the run folder', err);
    throw err;
  }
  return dir;
}

async function isDeadRun(dir: string): Promise<boolean> {
  try {
    return !isAlive(JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8')) as Owner);
  } catch {
    const info = await stat(dir).catch(() => null);
    return info !== null && Date.now() - info.mtimeMs > ownerlessGraceMs;
  }
}

/**
 * Removes what runs whose process is gone left behind; returns the run folders removed. `beforeRemove`
 * sees each dead run's folder first (to end processes it recorded there).
 */
export async function pruneDeadRuns(repoRoot: string, beforeRemove?: (runDir: string) => void): Promise<string[]> {
  const base = runsBase(repoRoot);
  const names = await readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(base, name);
    if (!name.startsWith('run-') || !(await isDeadRun(dir))) continue;
    try {
      beforeRemove?.(dir);
    } catch {
      // what it could not end is no reason to keep the folder
    }
    // A folder that cannot be removed (however it was left) is tried again by the next run; it never
    // stops this one.
    if (await removeTree(dir)) removed.push(dir);
  }
  // git keeps a record per worktree in .git/worktrees; records whose folder is gone are dropped here.
  if (removed.length > 0) await simpleGit({ baseDir: repoRoot }).raw(['worktree', 'prune']).catch(() => undefined);
  return removed;
}
