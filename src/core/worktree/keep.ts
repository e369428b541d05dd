// A worktree kept after the run for the user to inspect (--keep): outside the run folders, so the
// pruning of dead runs leaves it alone; the user removes it with `git worktree remove`.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { runsBase } from './runDir';

export async function keepWorktree(repoRoot: string, commit: string, name: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const parent = join(runsBase(repoRoot), 'kept');
  await mkdir(parent, { recursive: true });
  const dir = join(parent, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`);
  await simpleGit({ baseDir: repoRoot }).raw(['worktree', 'add', '--detach', '--quiet', dir, commit]);
  await fill(dir);
  return dir;
}
