// The macOS command line, run here for real with a stand-in for sandbox-exec that records its
// profile and runs the rest: everything but Seatbelt itself (the temp folder's life, the limits, the
// command and its exit code getting through).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrapCommand } from '../../../../src/core/sandbox/wrapCommand';
import type { SandboxInfo } from '../../../../src/core/sandbox/types';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'hp-seatbelt-')));
after(() => rmSync(root, { recursive: true }));
const worktree = join(root, 'wt');
const record = join(root, 'record.txt');
const fake = join(root, 'sandbox-exec');
// sandbox-exec [-D NAME=VALUE] -p PROFILE COMMAND...: record the parameters and the profile, run COMMAND.
writeFileSync(fake, `#!/bin/sh\nwhile [ "$1" = -D ]; do echo "D $2" >> "${record}"; shift 2; done\necho "$2" > "${record}.profile"\nshift 2\nexec "$@"\n`);
chmodSync(fake, 0o755);
mkdirSync(worktree);
const mac: SandboxInfo = { kind: 'sandbox-exec', available: true, platform: 'darwin', runAsRoot: false, tools: { sandboxExec: fake } };

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(file, args, { cwd, env, encoding: 'utf8' });
}

test('without a temp folder, each run makes one, passes it to the profile and TMPDIR, and removes it', async () => {
  rmSync(record, { force: true });
  const w = await wrapCommand(
    { command: 'echo "$TMPDIR" > seen.txt; touch "$TMPDIR/x"; ulimit -t; exit 7', cwd: worktree, writable: [worktree], env: { PATH: process.env.PATH, TMPDIR: root } },
    { mode: 'required', info: mac },
  );
  assert.equal(w.kind, 'sandbox-exec');
  const r = run(w.file, w.args, w.cwd, w.env);
  assert.equal(r.status, 7, r.stderr);
  assert.equal(r.stdout.trim(), '600', 'the CPU limit was set inside');
  const seen = readFileSync(join(worktree, 'seen.txt'), 'utf8').trim();
  assert.match(seen, new RegExp(`^${root}/hydrapatch\\.`));
  assert.equal(readFileSync(record, 'utf8').trim(), `D HYDRAPATCH_TMP=${seen}`);
  assert.match(readFileSync(`${record}.profile`, 'utf8'), /\(subpath \(param "HYDRAPATCH_TMP"\)\)/);
  assert.equal(existsSync(seen), false, 'the temp folder is gone after the run');
});

test('with a temp folder given, sandbox-exec runs directly with it', async () => {
  const temp = mkdtempSync(join(root, 'given-'));
  const w = await wrapCommand({ command: 'echo "$TMPDIR"', cwd: worktree, writable: [worktree], tempDir: temp, env: { PATH: process.env.PATH } }, { mode: 'required', info: mac });
  assert.equal(w.file, fake);
  const r = run(w.file, w.args, w.cwd, w.env);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), temp);
  assert.ok(readFileSync(`${record}.profile`, 'utf8').includes(`(subpath "${temp}")`));
});
