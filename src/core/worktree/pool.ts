// A pool of detached worktrees at the snapshot commit, reused between candidates: a released worktree
// is reset to the snapshot, everything else in it removed (the dependency links too, which are then
// made afresh), before the next candidate gets it. Adding and removing worktrees changes the
// repository's worktree list, so those steps run one at a time.
import { readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import { HydrapatchError } from '../../protocol/errors';
import { gitWithEnv } from './gitEnv';
import { noSpaceError, ranOutOfSpace } from './noSpace';
import { removeTree } from './removeTree';
import { linkInto } from './linkPaths';

export interface Worktree {
  id: number;
  path: string;
  /** Its git folder (<repo>/.git/worktrees/<name>), read once at creation: what the tests leave in the
   * worktree's own `.git` file is never trusted, so a reset cannot be pointed at another repository. */
  gitDir: string;
}

export interface WorktreePoolOptions {
  repoRoot: string;
  /** Commit every worktree is checked out at (and reset to). */
  commit: string;
  /** Folder the worktrees live in (from createRunDir). */
  runDir: string;
  /** Most worktrees at once. */
  size: number;
  /** Repository-relative paths linked (symlinked) from the user's tree into each worktree. */
  linkPaths: string[];
}

export class WorktreePool {
  private readonly idle: Worktree[] = [];
  private readonly all: Worktree[] = [];
  private readonly waiters: ((wt: Worktree) => void)[] = [];
  private serial: Promise<unknown> = Promise.resolve();
  private creating = 0;
  private nextId = 0;
  private disposed = false;

  constructor(private readonly options: WorktreePoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new HydrapatchError('bad_option', `worktree pool size must be a positive integer, got ${options.size}.`, 'Pass a parallelism of 1 or more.');
    }
  }

  /** Worktrees that exist now (idle or in use). */
  get paths(): string[] {
    return this.all.map((w) => w.path);
  }

  async acquire(): Promise<Worktree> {
    if (this.disposed) throw new HydrapatchError('cancelled', 'the worktree pool was closed.');
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.length + this.creating < this.options.size) {
      this.creating++;
      try {
        const wt = await this.locked(() => this.add(this.nextId++));
        this.all.push(wt);
        return wt;
      } finally {
        this.creating--;
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Resets the worktree to the snapshot and hands it to the next waiter (or keeps it idle). A worktree
   * that cannot be reset (a test deleted its .git file, or made files unremovable) is replaced.
   */
  async release(wt: Worktree): Promise<void> {
    if (this.disposed) return;
    let usable = wt;
    try {
      await this.reset(wt);
    } catch {
      usable = await this.locked(async () => {
        await this.remove(wt);
        this.all.splice(this.all.indexOf(wt), 1);
        const fresh = await this.add(this.nextId++);
        this.all.push(fresh);
        return fresh;
      });
    }
    const next = this.waiters.shift();
    if (next) next(usable);
    else this.idle.push(usable);
  }

  /**
   * Removes every worktree and the run folder; the pool cannot be used afterwards. Never fails on what
   * the tests left: what cannot be removed now stays for the next run's pruning.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.locked(async () => {
      for (const wt of this.all) await this.remove(wt);
      await removeTree(this.options.runDir);
      // The per-repository folder goes too once no run (and no kept worktree) is left in it.
      await rmdir(dirname(this.options.runDir)).catch(() => undefined);
      await simpleGit({ baseDir: this.options.repoRoot }).raw(['worktree', 'prune']).catch(() => undefined);
    });
  }

  private async remove(wt: Worktree): Promise<void> {
    // The folder first: git's own removal gives up on trees nested past PATH_MAX, and its record of a
    // folder that is gone is dropped by the prune.
    await removeTree(wt.path);
    await simpleGit({ baseDir: this.options.repoRoot }).raw(['worktree', 'remove', '--force', '--force', wt.path]).catch(() => undefined);
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async add(id: number): Promise<Worktree> {
    const path = join(this.options.runDir, `wt-${id}`);
    try {
      await simpleGit({ baseDir: this.options.repoRoot }).raw(['worktree', 'add', '--detach', '--quiet', path, this.options.commit]);
    } catch (err) {
      const full = await ranOutOfSpace(err, this.options.runDir);
      // A half-made worktree (a checkout cut short) goes at once, with its record.
      await removeTree(path);
      await simpleGit({ baseDir: this.options.repoRoot }).raw(['worktree', 'prune']).catch(() => undefined);
      if (full) throw noSpaceError(this.options.runDir, 'creating a worktree', err);
      throw new HydrapatchError('worktree_failed', `could not create a worktree at ${path}: ${(err as Error).message}`, 'Check free space in the temp folder and that `git worktree add` works in this repository.', { cause: err });
    }
    const gitDir = (await simpleGit({ baseDir: path }).revparse(['--absolute-git-dir'])).trim();
    const wt = { id, path, gitDir };
    await this.link(wt);
    return wt;
  }

  private async link(wt: Worktree): Promise<void> {
    await linkInto(this.options.repoRoot, wt.path, this.options.linkPaths);
  }

  private async reset(wt: Worktree): Promise<void> {
    const git = gitWithEnv(wt.path, { GIT_DIR: wt.gitDir, GIT_WORK_TREE: wt.path });
    await git.raw(['reset', '--hard', '--quiet', this.options.commit]);
    // Everything untracked goes, ignored or not, whatever its name: a dependency link too, since a
    // candidate may have pointed it elsewhere (at the user's checkout, say). The links are made afresh.
    await git.raw(['clean', '-ffdxq']);
    // The worktree's link to its git folder, as git wrote it, whatever a test did to it.
    const dotGit = join(wt.path, '.git');
    const wanted = `gitdir: ${wt.gitDir}\n`;
    if ((await readFile(dotGit, 'utf8').catch(() => null)) !== wanted) {
      await rm(dotGit, { recursive: true, force: true });
      await writeFile(dotGit, wanted);
    }
    await this.link(wt);
  }
}
