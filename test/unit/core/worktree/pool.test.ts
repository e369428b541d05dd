import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, makeRepo, userState as userStateOf, writeFiles } from '../../../helpers/gitRepo';
import { snapshot } from '../../../../src/core/worktree/snapshot';
import { WorktreePool } from '../../../../src/core/worktree/pool';
import { createRunDir } from '../../../../src/core/worktree/runDir';
import { resolveLinkPaths } from '../../../../src/core/worktree/linkPaths';

function userRepoWithUncommittedWork() {
  const repo = makeRepo({ 'a.txt': 'a1\n', 'b.txt': 'b1\n', 'gone.txt': 'x\n', '.gitignore': 'ignored.log\nnode_modules/\n' });
  writeFiles(repo.dir, { 'b.txt': 'b2 staged\n' });
  git(repo.dir, 'add', 'b.txt');
  writeFiles(repo.dir, { 'a.txt': 'a2 modified\n', 'new/untracked.txt': 'u\n', 'ignored.log': 'secret\n', 'node_modules/dep/index.js': 'module.exports = 1;\n' });
  git(repo.dir, 'rm', '-q', 'gone.txt');
  writeFiles(repo.dir, { 'stash-me.txt': 'x' });
  git(repo.dir, 'stash', 'push', '-q', '--include-untracked', '--', 'stash-me.txt');
  return repo;
}

test('snapshot and worktrees hold HEAD plus uncommitted work; the user tree, index and stash stay byte-for-byte the same', async () => {
  const repo = userRepoWithUncommittedWork();
  try {
    // Everything except the parts of .git that a worktree legitimately adds (objects and the worktree list).
    const userState = () => userStateOf(repo.dir);
    const stashBefore = git(repo.dir, 'stash', 'list');
    const before = userState();

    const snap = await snapshot(join(repo.dir, 'new'));
    assert.equal(snap.root, repo.dir);
    assert.equal(snap.dirty, true);
    const runDir = await createRunDir(snap.root);
    const pool = new WorktreePool({ repoRoot: snap.root, commit: snap.commit, runDir, size: 2, linkPaths: await resolveLinkPaths(snap.root) });
    const wt = await pool.acquire();
    assert.equal(readFileSync(join(wt.path, 'a.txt'), 'utf8'), 'a2 modified\n');
    assert.equal(readFileSync(join(wt.path, 'b.txt'), 'utf8'), 'b2 staged\n');
    assert.equal(readFileSync(join(wt.path, 'new/untracked.txt'), 'utf8'), 'u\n');
    assert.equal(existsSync(join(wt.path, 'gone.txt')), false);
    assert.equal(existsSync(join(wt.path, 'ignored.log')), false, 'ignored files are not part of the snapshot');
    assert.equal(existsSync(join(wt.path, 'stash-me.txt')), false);
    assert.equal(readlinkSync(join(wt.path, 'node_modules')), join(repo.dir, 'node_modules'));
    assert.equal(readFileSync(join(wt.path, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 1;\n');

    // A used worktree comes back reset: edits undone, new files (also ignored ones) gone, links kept.
    writeFiles(wt.path, { 'a.txt': 'candidate edit\n', 'junk/x.js': 'x', 'ignored.log': 'y' });
    await pool.release(wt);
    const again = await pool.acquire();
    assert.equal(again.path, wt.path, 'the pool reuses worktrees');
    assert.equal(readFileSync(join(again.path, 'a.txt'), 'utf8'), 'a2 modified\n');
    assert.equal(existsSync(join(again.path, 'junk')), false);
    assert.equal(existsSync(join(again.path, 'ignored.log')), false);
    assert.ok(existsSync(join(again.path, 'node_modules/dep/index.js')));
    const second = await pool.acquire();
    assert.notEqual(second.path, again.path);

    await pool.dispose();
    assert.equal(existsSync(runDir), false);
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
    assert.deepEqual(userState(), before);
    assert.equal(git(repo.dir, 'stash', 'list'), stashBefore);
    assert.equal(readFileSync(join(repo.dir, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 1;\n');
  } finally {
    repo.cleanup();
  }
});

test('a repository without commits snapshots its files', async () => {
  const repo = makeRepo({});
  try {
    // A fresh repo: drop the empty initial commit by re-initialising a sibling folder without one.
    const dir = join(repo.dir, 'fresh');
    mkdirSync(dir);
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'f.txt'), 'hello\n');
    const snap = await snapshot(dir);
    assert.equal(snap.head, null);
    assert.equal(git(dir, 'show', `${snap.commit}:f.txt`), 'hello\n');
  } finally {
    repo.cleanup();
  }
});
