// A worktree is handed to the next candidate in a known state whatever the last one left in it, and
// nothing a candidate leaves can make cleanup fail or block a later run: real git worktrees, real
// links, real trees nested past PATH_MAX; as root and (where this runs as root) as an ordinary user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, makeRepo, writeFiles } from '../../../helpers/gitRepo';
import { plantAwkwardEntries, plantDeepTree } from '../../../helpers/hostileTrees';
import { snapshot } from '../../../../src/core/worktree/snapshot';
import { WorktreePool } from '../../../../src/core/worktree/pool';
import { createRunDir, pruneDeadRuns, runsBase } from '../../../../src/core/worktree/runDir';

const srcDir = join(__dirname, '../../../../src/core/worktree');

function userRepo() {
  const repo = makeRepo({ 'lib.js': 'module.exports = 1;\n', '.gitignore': 'node_modules/\n.env\nbuild/\n' });
  writeFiles(repo.dir, { 'node_modules/dep/index.js': 'module.exports = 2;\n', '.env': 'API_KEY=the-users-secret\n' });
  return repo;
}

/** Untracked and ignored entries git sees in the worktree, as `git status` names them. */
function leftovers(dir: string): string[] {
  return git(dir, 'status', '--porcelain', '--ignored', '--untracked-files=all').split('\n').filter(Boolean).sort();
}

test('a reused worktree keeps nothing of the last candidate: planted links, ignored files, a re-pointed dependency link', async () => {
  const repo = userRepo();
  const runDir = await createRunDir(repo.dir);
  const snap = await snapshot(repo.dir);
  const pool = new WorktreePool({ repoRoot: repo.dir, commit: snap.commit, runDir, size: 1, linkPaths: ['node_modules'] });
  try {
    const wt = await pool.acquire();
    const fresh = leftovers(wt.path);
    // What the candidate's test did: the dependency link re-pointed at the user's checkout, links and
    // files under ignored names and under names nobody ignores.
    rmSync(join(wt.path, 'node_modules'));
    symlinkSync(repo.dir, join(wt.path, 'node_modules'));
    mkdirSync(join(wt.path, 'build'));
    symlinkSync(repo.dir, join(wt.path, 'build', 'checkout'));
    symlinkSync(join(repo.dir, '.env'), join(wt.path, '.env'));
    writeFileSync(join(wt.path, 'planted.js'), 'x');
    await pool.release(wt);

    const next = await pool.acquire();
    assert.equal(next.path, wt.path, 'the worktree was reused');
    assert.equal(readlinkSync(join(next.path, 'node_modules')), join(repo.dir, 'node_modules'), 'the dependency link is Hydrapatch\'s again');
    assert.equal(existsSync(join(next.path, 'node_modules', '.env')), false);
    assert.deepEqual(leftovers(next.path), fresh);
    for (const name of ['build', '.env', 'planted.js']) assert.equal(existsSync(join(next.path, name)), false, name);
    await pool.release(next);
  } finally {
    await pool.dispose();
    repo.cleanup();
  }
});

test('a tree nested past PATH_MAX, read-only folders and odd names neither break a reset nor leave the run folder', async () => {
  const repo = userRepo();
  const runDir = await createRunDir(repo.dir);
  const snap = await snapshot(repo.dir);
  const pool = new WorktreePool({ repoRoot: repo.dir, commit: snap.commit, runDir, size: 1, linkPaths: ['node_modules'] });
  try {
    const wt = await pool.acquire();
    const fresh = leftovers(wt.path);
    plantDeepTree(wt.path);
    plantAwkwardEntries(wt.path);
    await pool.release(wt);
    const next = await pool.acquire();
    assert.deepEqual(leftovers(next.path), fresh);
    assert.deepEqual(readdirSync(next.path).sort(), ['.git', '.gitignore', 'lib.js', 'node_modules']);
    plantDeepTree(next.path);
    plantAwkwardEntries(next.path);
  } finally {
    await pool.dispose();
  }
  try {
    assert.equal(existsSync(runDir), false, 'the run folder is gone');
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  } finally {
    rmSync(runsBase(repo.dir), { recursive: true, force: true });
    repo.cleanup();
  }
});

/** A dead run's folder holding what a hostile test leaves; returns it. */
async function deadRunWithLeftovers(repoDir: string): Promise<string> {
  const dir = await createRunDir(repoDir);
  const exited = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: exited, startTime: 'gone', host: (await import('node:os')).hostname() }));
  const wt = join(dir, 'wt-0');
  git(repoDir, 'worktree', 'add', '-q', '--detach', wt);
  plantDeepTree(wt);
  plantAwkwardEntries(wt);
  return dir;
}

test('a dead run\'s leftovers nested past PATH_MAX never block the next run\'s start', async () => {
  const repo = userRepo();
  try {
    const dead = await deadRunWithLeftovers(repo.dir);
    assert.deepEqual(await pruneDeadRuns(repo.dir), [dead]);
    assert.equal(existsSync(dead), false);
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  } finally {
    rmSync(runsBase(repo.dir), { recursive: true, force: true });
    repo.cleanup();
  }
});

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

test('the same as an ordinary user, where read-only folders stop a plain rm', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('already an ordinary user: the test above covered it');
  const nobody = 65534;
  const root = mkdtempSync(join(tmpdir(), 'hp-prune-user-'));
  const repo = userRepo();
  try {
    chownTree(repo.dir, nobody);
    chmodSync(root, 0o755);
    chownSync(root, nobody, nobody);
    // The dead run is made as nobody too, under nobody's own temp folder.
    const script = `
      const { pruneDeadRuns, createRunDir } = require(${JSON.stringify(join(srcDir, 'runDir'))});
      const { plantDeepTree, plantAwkwardEntries } = require(${JSON.stringify(join(__dirname, '../../../helpers/hostileTrees'))});
      const { execFileSync, spawnSync } = require('node:child_process');
      const { writeFileSync } = require('node:fs');
      const { join } = require('node:path');
      (async () => {
        const repo = process.argv[1];
        const dir = await createRunDir(repo);
        writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: spawnSync(process.execPath, ['-e', '0']).pid, startTime: 'gone', host: require('node:os').hostname() }));
        execFileSync('git', ['-C', repo, 'worktree', 'add', '-q', '--detach', join(dir, 'wt-0')]);
        plantDeepTree(join(dir, 'wt-0'));
        plantAwkwardEntries(join(dir, 'wt-0'));
        const removed = await pruneDeadRuns(repo);
        const mine = await createRunDir(repo);
        console.log(JSON.stringify({ dead: dir, removed, mine }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = execFileSync('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--', process.execPath, '--import', 'tsx', '-e', script, repo.dir], {
      encoding: 'utf8',
      cwd: join(__dirname, '../../../..'),
      env: { PATH: process.env.PATH, HOME: root, TMPDIR: root, TSX_DISABLE_CACHE: '1' },
    });
    const r = JSON.parse(out) as { dead: string; removed: string[]; mine: string };
    assert.deepEqual(r.removed, [r.dead]);
    assert.equal(existsSync(r.dead), false);
    assert.ok(statSync(r.mine).isDirectory(), 'the next run started');
  } finally {
    execFileSync('rm', ['-rf', root]);
    repo.cleanup();
  }
});
