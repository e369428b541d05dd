// The must-show of sandboxed verification: a candidate whose code, imported by the project's real
// tests, tries to write outside its worktree, read an SSH key, call a local listener and start 200
// processes, run through the real test runner inside the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import { runCommand } from '../../../src/core/testing/runCommand';
import { makeScene, treeDigest } from './scene';

test('a hostile candidate is contained: no write out, no key read, no connection, process limit holds', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('hostileJs');
  t.after(() => scene.cleanup());
  let connections = 0;
  const listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(() => listener.close());
  const port = (listener.address() as { port: number }).port;
  const outsideFile = join(scene.outside, 'escaped.txt');
  const before = treeDigest(scene.root, [scene.worktree]);
  const processLimit = 64;

  const outcome = await runCommand({
    command: 'node --test',
    cwd: scene.worktree,
    timeoutMs: 60_000,
    outputCapBytes: 1 << 20,
    env: { HOME: scene.home, HP_OUTSIDE_FILE: outsideFile, HP_SECRET_FILE: scene.secretFile, HP_PORT: String(port), HP_PROCESSES: '200' },
    launcher: sandboxLauncher({ policy: { mode: 'required' }, hidden: [scene.pool, scene.user], limits: { processes: processLimit } }),
  });

  assert.equal(outcome.launcher, 'bwrap');
  assert.equal(outcome.exitCode, 0, outcome.output);
  const attempts = JSON.parse(readFileSync(join(scene.worktree, 'attempts.json'), 'utf8'));
  assert.match(attempts.write, /^(EROFS|EACCES|ENOENT)$/, 'the write outside the worktree failed');
  assert.match(attempts.secret, /^(ENOENT|EACCES)$/, 'the SSH key was not readable');
  assert.equal(attempts.network, 'ECONNREFUSED', 'the connection was refused');
  assert.equal(connections, 0, 'the listener saw no connection');
  assert.ok(attempts.processes.started < processLimit, `started ${attempts.processes.started} processes under a limit of ${processLimit}`);
  assert.ok(attempts.processes.errors.EAGAIN > 0, 'process creation failed with EAGAIN at the limit');
  assert.equal(attempts.processes.started + attempts.processes.errors.EAGAIN, 200);
  assert.equal(existsSync(outsideFile), false);
  assert.deepEqual(treeDigest(scene.root, [scene.worktree]), before, 'nothing outside the worktree changed');
});
