// What a sandboxed run can see and pin, tried from inside a real bubblewrap sandbox by a real test
// process (test/fixtures/sandbox/probe/visibility.js): only the allow-list is visible (no home but the
// tool folders, no sockets outside, no credentials in the environment), no capabilities (as root:
// /etc/shadow unreadable), size-bounded tmpfs, writable node_modules/.cache, the user's git name and
// email and nothing else of their git config. As the user running the tests and, when that is root,
// once more as an unprivileged user.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import { runCommand, type CommandOutcome } from '../../../src/core/testing/runCommand';
import { linkNodeModules, makeScene, treeDigest, type Scene } from './scene';

const scratchBytes = 32 * 1024 * 1024;
const probeFile = join(__dirname, '../../fixtures/sandbox/probe/visibility.js');
// Credentials under names a deny-list of *TOKEN*, *SECRET*, *PASSWORD* misses.
const leakyEnv = { GH_PAT: 'p', NPM_AUTH: 'a', APP_DATABASE_URL: 'postgres://u:pw@db/x', WEB_SESSION: 's', SSH_PASSPHRASE: 'pp', SVC_APITOKEN: 't', STRIPE_KEY: 'k' };

interface Run {
  command: string;
  cwd: string;
  env: Record<string, string>;
  hidden: string[];
  limits: { scratchBytes: number };
  passEnv: string[];
}

async function listen(path: string, counter: { n: number }): Promise<Server> {
  const server = createServer((s) => {
    counter.n += 1;
    s.destroy();
  });
  server.listen(path);
  await once(server, 'listening');
  // Open to every uid: only the sandbox, not file permissions, may stop a connection.
  if (!path.startsWith('\0')) chmodSync(path, 0o777);
  return server;
}

async function probe(t: TestContext, scene: Scene, launch: (run: Run) => Promise<CommandOutcome>): Promise<void> {
  const counter = { n: 0 };
  const sockDir = mkdtempSync('/tmp/hp-sock-');
  chmodSync(sockDir, 0o755);
  const sockets = [join(scene.home, 'agent.sock'), join(scene.outside, 'service.sock'), join(scene.user, 'dev.sock'), join(sockDir, 'tmp.sock'), `\0hp-abstract-${process.pid}`];
  if (process.getuid?.() === 0 && existsSync('/run')) sockets.push(`/run/hp-visibility-${process.pid}.sock`);
  const servers = await Promise.all(sockets.map((p) => listen(p, counter)));
  t.after(() => {
    for (const s of servers) s.close();
    rmSync(sockDir, { recursive: true, force: true });
  });
  // Another tool's configuration in the home, not on any secret list.
  const homeFile = join(scene.home, '.someTool', 'config.json');
  mkdirSync(join(scene.home, '.someTool'));
  writeFileSync(homeFile, '{"token":"t"}');
  // The user's identity, and a credential helper that must not follow it in.
  execFileSync('git', ['config', 'user.name', 'Ada Lovelace'], { cwd: scene.user });
  execFileSync('git', ['config', 'user.email', 'ada@example.org'], { cwd: scene.user });
  execFileSync('git', ['config', 'credential.helper', 'store'], { cwd: scene.user });
  copyFileSync(probeFile, join(scene.worktree, 'probe.js'));
  const userNodeModules = treeDigest(join(scene.user, 'node_modules'), []);
  const hp = { fillMost: scratchBytes, sockets, homeFile };

  const outcome = await launch({
    command: 'node probe.js',
    cwd: scene.worktree,
    env: { HOME: scene.home, HP_PROBE: JSON.stringify(hp), ...leakyEnv },
    hidden: [scene.pool, scene.user],
    limits: { scratchBytes },
    passEnv: ['HP_PROBE'],
  });
  assert.equal(outcome.launcher, 'bwrap');
  assert.equal(outcome.exitCode, 0, outcome.output);
  const r = JSON.parse(outcome.output);

  // One subtest per hole, so that each says for itself whether it is closed.
  await t.test('#17.4 every writable tmpfs is bounded, and all together by the run\'s scratch budget', () => {
    let total = 0;
    for (const [dir, f] of Object.entries(r.fill as Record<string, { written: number; error: string }>)) {
      total += f.written;
      if (dir !== '/var/tmp/b') assert.equal(f.error, 'ENOSPC', `${dir}: ${JSON.stringify(f)}`);
    }
    assert.ok(total <= scratchBytes, `${total} bytes pinned over a budget of ${scratchBytes}`);
    assert.match(r.rootWrite, /^(EROFS|EACCES)$/);
    assert.match(r.runWrite, /^(EROFS|EACCES)$/);
  });
  await t.test('#17.5 no socket outside the worktree is reachable', () => {
    for (const [path, result] of Object.entries(r.sockets)) assert.match(result as string, /^(ENOENT|ECONNREFUSED|EACCES)$/, `${JSON.stringify(path)}: ${result}`);
    assert.equal(counter.n, 0, 'no server saw a connection');
  });
  await t.test('#17.6 no capabilities, /etc/shadow unreadable, the home\'s other folders invisible, credentials not passed', () => {
    assert.equal(r.capEff, '0000000000000000');
    assert.notEqual(r.uid, 0);
    assert.equal(r.shadow, 'EACCES');
    assert.equal(r.homeFile, 'ENOENT');
    assert.equal(r.home, scene.home);
    for (const name of Object.keys(leakyEnv)) assert.ok(!r.env.includes(name), `${name} reached the tests`);
    assert.ok(r.env.includes('PATH') && r.env.includes('HOME'));
  });
  await t.test('#13 node_modules/.cache is writable, the dependencies not, the user\'s tree untouched', () => {
    assert.equal(r.cacheWrite, 'ok');
    assert.equal(r.depRead, 'ok');
    assert.match(r.depWrite, /^(EROFS|EACCES)$/);
    assert.deepEqual(treeDigest(join(scene.user, 'node_modules'), []), userNodeModules);
  });
  await t.test('#13 git inside knows the user\'s name and email, and nothing else of their configuration', () => {
    assert.equal(r.commit, 'ok', 'git commit works inside');
    assert.equal(r.authorIs, 'Ada Lovelace <ada@example.org>');
    assert.notEqual(r.credentialHelper, 'ok');
  });
}

test('only the allow-list is visible, tmpfs bounded, no capabilities, caches writable, git identity known', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitJs');
  t.after(() => scene.cleanup());
  linkNodeModules(scene, 'legitJs');
  await probe(t, scene, (run) =>
    runCommand({ ...run, timeoutMs: 60_000, outputCapBytes: 1 << 20, launcher: sandboxLauncher({ policy: { mode: 'required' }, hidden: run.hidden, limits: run.limits, passEnv: run.passEnv }) }),
  );
});

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

test('the same, with the pipeline running as an unprivileged user', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  if (!info.runAsRoot) return t.skip('already unprivileged: the test above covered it');
  const scene = makeScene('legitJs');
  t.after(() => scene.cleanup());
  linkNodeModules(scene, 'legitJs');
  const nobody = 65534;
  await probe(t, scene, async (run) => {
    chownTree(scene.root, nobody);
    const out = execFileSync('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--', process.execPath, '--import', 'tsx', join(__dirname, 'runAsCaller.ts'), JSON.stringify(run)], {
      cwd: join(__dirname, '..', '..', '..'),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: scene.home, TSX_DISABLE_CACHE: '1', ...leakyEnv },
    });
    return JSON.parse(out) as CommandOutcome;
  });
});
