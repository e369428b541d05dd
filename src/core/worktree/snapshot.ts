// The tree every candidate starts from: HEAD plus the user's uncommitted work (tracked changes, staged
// changes and untracked files that are not ignored). Built in a private copy of the index so the
// user's working tree, index and stash are never touched; only new objects enter the object store.
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { gitWithEnv } from './gitEnv';
import { defaultLinkPaths } from './linkPaths';
import { HydrapatchError } from '../../protocol/errors';
import { isNoSpace, noSpaceError } from './noSpace';

export interface Snapshot {
  /** Absolute path of the repository's top level. */
  root: string;
  /** HEAD's commit, or null in a repository without commits. */
  head: string | null;
  /** A commit (child of HEAD) holding HEAD plus the uncommitted work; not on any branch. */
  commit: string;
  /** True when the snapshot differs from HEAD. */
  dirty: boolean;
}

export async function repoRoot(dir: string): Promise<string> {
  try {
    return (await simpleGit({ baseDir: dir }).revparse(['--show-toplevel'])).trim();
  } catch (err) {
    throw new HydrapatchError('not_a_repo', `${dir} is not inside a git repository.`, 'Point --repo at a folder of a git repository (git init, commit once).', { cause: err });
  }
}

export async function snapshot(dir: string): Promise<Snapshot> {
  const root = await repoRoot(dir);
  const git = simpleGit({ baseDir: root });
  const head = await git.revparse(['--verify', '--quiet', 'HEAD^{commit}']).then((s) => s.trim() || null, () => null);
  const gitDir = (await git.revparse(['--absolute-git-dir'])).trim();
  const scratch = await mkdtemp(join(tmpdir(), 'hydrapatch-index-')).catch((err: unknown) => {
    throw isNoSpace(err) ? noSpaceError(tmpdir(), 'copying the index for the snapshot', err) : err;
  });
  const index = join(scratch, 'index');
  try {
    // Starting from a copy of the real index keeps git's stat cache, so unchanged files are not re-hashed.
    await copyFile(join(gitDir, 'index'), index).catch(() => undefined);
    const priv = gitWithEnv(root, { GIT_INDEX_FILE: index });
    if (head === null) await priv.raw(['read-tree', '--empty']);
    // Environment folders are linked into worktrees, never copied: untracked files in them stay out.
    // (git refuses an exclude that names an ignored path, and ignored ones are left out anyway.)
    const unignoredEnvs: string[] = [];
    for (const p of defaultLinkPaths) {
      if (!existsSync(join(root, p))) continue;
      // check-ignore prints the path when it is ignored (its exit code does not reach us through simple-git).
      const ignored = (await git.raw(['check-ignore', p]).catch(() => '')).trim() !== '';
      if (!ignored) unignoredEnvs.push(`:(exclude,top)${p}`);
    }
    await priv.raw(['add', '--all', '--', '.', ...unignoredEnvs]);
    const tree = (await priv.raw(['write-tree'])).trim();
    const headTree = head === null ? null : (await git.revparse([`${head}^{tree}`])).trim();
    const identity = { GIT_AUTHOR_NAME: 'hydrapatch', GIT_AUTHOR_EMAIL: 'hydrapatch@localhost', GIT_COMMITTER_NAME: 'hydrapatch', GIT_COMMITTER_EMAIL: 'hydrapatch@localhost' };
    const commitArgs = ['commit-tree', tree, '-m', 'hydrapatch snapshot: HEAD plus uncommitted changes'];
    if (head !== null) commitArgs.push('-p', head);
    const commit = (await gitWithEnv(root, identity).raw(commitArgs)).trim();
    return { root, head, commit, dirty: tree !== headTree };
  } catch (err) {
    throw isNoSpace(err) ? noSpaceError(gitDir, 'writing the snapshot of your uncommitted work', err) : err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
