// A disk that runs full while worktrees are made: the CLI says so (exit 3, the folder named, no stack
// trace) and leaves no run folder. The full disk is real: a 96 KiB tmpfs as TMPDIR, mounted in a
// private mount namespace (unshare), where a 256 KiB file of the repository cannot be checked out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepo } from '../../helpers/gitRepo';

const cliMain = join(__dirname, '../../../src/cli/main.ts');

test('disk full while creating a worktree: a clear "disk_full" error, exit 3, run folder removed', (t) => {
  const probe = spawnSync('unshare', ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs "$0"', tmpdir()], { encoding: 'utf8' });
  if (probe.status !== 0) return t.skip(`no private mount namespace for a small tmpfs here (unshare -Urm: ${probe.stderr.trim()})`);
  const repo = makeRepo({ 'big.bin': randomBytes(256 * 1024).toString('base64'), 'lib.js': 'exports.x = 1;\n' });
  const dir = mkdtempSync(join(tmpdir(), 'hp-diskfull-'));
  const small = join(dir, 'small');
  try {
    const samples = join(dir, 'samples.jsonl');
    writeFileSync(samples, JSON.stringify({ text: 'lib.js\n<<<<<<< SEARCH\nexports.x = 1;\n=======\nexports.x = 2;\n>>>>>>> REPLACE\n' }) + '\n');
    const cli = [process.execPath, '--import', 'tsx', cliMain, 'solve', '--repo', repo.dir, '--issue', '-', '--from-samples', samples, '--test', 'true', '--sandbox', 'off', '--yes-run-unsandboxed'];
    // Inside the namespace: mount, run the CLI, then list what it left on the small disk.
    const script = 'mkdir -p "$1" && mount -t tmpfs -o size=96k tmpfs "$1" && shift && small=$TMPDIR && echo x | "$@"; echo "exit=$?"; find "$small" -mindepth 2 -maxdepth 2 -name "run-*"';
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: small, TSX_DISABLE_CACHE: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync('unshare', ['-Urm', 'sh', '-c', script, 'sh', small, ...cli], { encoding: 'utf8', env, timeout: 60_000 });
    const exit = /^exit=(\d+)$/m.exec(r.stdout)?.[1];
    assert.equal(exit, '3', `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /hydrapatch: no space left on the disk holding .*hydrapatch-[0-9a-f]+\/run-\S+ while creating a worktree/);
    assert.match(r.stderr, /hint: Free some space there, or point TMPDIR/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(r.stdout, /run-/, 'no run folder left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    repo.cleanup();
  }
});
