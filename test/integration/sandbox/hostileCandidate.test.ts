// The must-show of sandboxed verification: a candidate whose code, imported by the project's real
// tests, tries to write outside its worktree, read an SSH key, call a local listener and start 200
// processes, run through the real test runner inside the sandbox: once as the user running the
// tests, and (when that is root) once more as an unprivileged user, the usual case on a desktop.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { chownSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import type { SandboxLimits } from '../../../src/core/sandbox/types';
import { runCommand, type CommandOutcome } from '../../../src/core/testing/runCommand';
import { makeScene, treeDigest, type Scene } from './scene';

const processLimit = 64;

interface Run {
  command: string;
  cwd: string;
  env: Record<string, string>;
  hidden: string[];
  limits: Partial<SandboxLimits>;
  passEnv: string[];
}

async function assertContained(t: TestContext, scene: Scene, launch: (run: Run) => Promise<CommandOutcome>): Promise<void> {
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
  const dotGit = readFileSync(join(scene.worktree, '.git'), 'utf8');

  const outcome = await launch({
    command: 'node --test',
    cwd: scene.worktree,
    env: { HOME: scene.home, HP_OUTSIDE_FILE: outsideFile, HP_KEY_FILE: scene.secretFile, HP_PORT: String(port), HP_PROCESSES: '200' },
    hidden: [scene.pool, scene.user],
    limits: { processes: processLimit },
    // The fixture's own variables: not on the sandbox's allow-list, so named.
    passEnv: ['HP_OUTSIDE_FILE', 'HP_KEY_FILE', 'HP_PORT', 'HP_PROCESSES'],
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
  assert.match(attempts.gitSwap, /^(EROFS|EBUSY|EPERM|EACCES)$/, "the worktree's .git could not be replaced");
  assert.equal(readFileSync(join(scene.worktree, '.git'), 'utf8'), dotGit);
  assert.equal(existsSync(outsideFile), false);
  assert.deepEqual(treeDigest(scene.root, [scene.worktree]), before, 'nothing outside the worktree changed');
}

test('a hostile candidate is contained: no write out, no key read, no connection, process limit holds', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('hostileJs');
  t.after(() => scene.cleanup());
  await assertContained(t, scene, (run) =>
    runCommand({ ...run, timeoutMs: 60_000, outputCapBytes: 1 << 20, launcher: sandboxLauncher({ policy: { mode: 'required' }, hidden: run.hidden, limits: run.limits, passEnv: run.passEnv }) }),
  );
});

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

test('the same, with the pipeline running as an unprivileged user (bwrap in its own user namespace)', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  if (!info.runAsRoot) return t.skip('already unprivileged: the test above covered it');
  const scene = makeScene('hostileJs');
  t.after(() => scene.cleanup());
  // nobody owns the whole scene: had the sandbox let them, its write and read would have succeeded.
  const nobody = 65534;
  chownTree(scene.root, nobody);
  await assertContained(t, scene, async (run) => {
    const out = execFileSync('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--', process.execPath, '--import', 'tsx', join(__dirname, 'runAsCaller.ts'), JSON.stringify(run)], {
      cwd: join(__dirname, '..', '..', '..'),
      encoding: 'utf8',
      // No tsx cache: it would leave a folder owned by nobody in /tmp after every run.
      env: { PATH: process.env.PATH, HOME: scene.home, TSX_DISABLE_CACHE: '1' },
    });
    return JSON.parse(out) as CommandOutcome;
  });
});
