import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { git, makeRepo } from '../../../helpers/gitRepo';
import { createRunDir, pruneDeadRuns, runsBase } from '../../../../src/core/worktree/runDir';

// The child makes a run folder and two worktrees the way a solve does, prints their paths, and waits to be killed.
const childScript = `
const { snapshot } = require(${JSON.stringify(join(__dirname, '../../../../src/core/worktree/snapshot'))});
const { WorktreePool } = require(${JSON.stringify(join(__dirname, '../../../../src/core/worktree/pool'))});
const { createRunDir } = require(${JSON.stringify(join(__dirname, '../../../../src/core/worktree/runDir'))});
(async () => {
  const snap = await snapshot(process.argv[1]);
  const runDir = await createRunDir(snap.root);
  const pool = new WorktreePool({ repoRoot: snap.root, commit: snap.commit, runDir, size: 2, linkPaths: [] });
  const a = await pool.acquire();
  const b = await pool.acquire();
  console.log(JSON.stringify({ runDir, paths: [a.path, b.path] }));
  setInterval(() => {}, 1000);
})();
`;

test('worktrees left by a run killed with SIGKILL are removed by the next run; live runs are left alone', async () => {
  const repo = makeRepo({ 'f.txt': 'x\n' });
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', childScript, repo.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    while (!out.includes('\n')) await once(child.stdout, 'data');
    const left = JSON.parse(out) as { runDir: string; paths: string[] };
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 3);

    // While the owner lives, another run must not touch its worktrees.
    assert.deepEqual(await pruneDeadRuns(repo.dir), []);
    assert.ok(left.paths.every((p) => existsSync(p)));

    child.kill('SIGKILL');
    await once(child, 'exit');
    const mine = await createRunDir(repo.dir);
    const removed = await pruneDeadRuns(repo.dir);
    assert.deepEqual(removed, [left.runDir]);
    assert.ok(left.paths.every((p) => !existsSync(p)));
    assert.ok(existsSync(mine), 'the live run folder stays');
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  } finally {
    rmSync(runsBase(repo.dir), { recursive: true, force: true });
    repo.cleanup();
  }
});

test('a run folder name taken by a symlink (shared temp folder) is refused', async () => {
  const repo = makeRepo({ 'f.txt': 'x\n' });
  const elsewhere = mkdtempSync(join(tmpdir(), 'hp-elsewhere-'));
  try {
    symlinkSync(elsewhere, runsBase(repo.dir));
    await assert.rejects(createRunDir(repo.dir), { code: 'unsafe_temp' });
    assert.deepEqual(readdirSync(elsewhere), []);
  } finally {
    rmSync(runsBase(repo.dir), { force: true });
    rmSync(elsewhere, { recursive: true, force: true });
    repo.cleanup();
  }
});
