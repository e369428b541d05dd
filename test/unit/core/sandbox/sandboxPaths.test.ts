import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HydrapatchError } from '../../../../src/protocol/errors';
import { resolveSandboxPaths } from '../../../../src/core/sandbox/sandboxPaths';
import { requireSandboxScratchBase } from '../../../helpers/sandboxScratch';

// Not below /tmp: the sandbox puts a fresh tmpfs on /tmp, which would make every folder below it
// walkable and hide what worldTraversable looks at.
const artifacts = requireSandboxScratchBase();

function scene() {
  mkdirSync(artifacts, { recursive: true });
  const root = realpathSync(mkdtempSync(join(artifacts, 'paths-')));
  const user = join(root, 'user');
  const pool = join(root, 'pool');
  const home = join(root, 'home');
  mkdirSync(join(user, 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(pool);
  writeFileSync(join(home, '.netrc'), 'machine x');
  writeFileSync(join(user, 'a.txt'), 'a');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: user, stdio: 'ignore' });
  git('init', '-q');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'a');
  const worktree = join(pool, 'wt-1');
  git('worktree', 'add', '-q', '--detach', worktree);
  symlinkSync(join(user, 'node_modules'), join(worktree, 'node_modules'));
  return { root, user, pool, home, worktree };
}

test('dependencies linked into the worktree and its git dir stay readable; secrets found under home', async (t) => {
  const s = scene();
  t.after(() => rmSync(s.root, { recursive: true }));
  const paths = await resolveSandboxPaths({ command: 'x', cwd: s.worktree, writable: [s.worktree], hidden: [s.pool, s.user], env: { HOME: s.home } });
  assert.deepEqual(paths.writable, [s.worktree]);
  assert.deepEqual(paths.hiddenDirs, [s.pool, s.user]);
  assert.deepEqual(paths.secretDirs.filter((d) => d.startsWith(s.root)), [join(s.home, '.ssh')]);
  assert.deepEqual(paths.secretFiles.filter((f) => f.startsWith(s.root)), [join(s.home, '.netrc')]);
  assert.deepEqual(paths.readOnly, [join(s.user, 'node_modules'), join(s.user, '.git', 'worktrees', 'wt-1'), join(s.user, '.git')]);
  assert.deepEqual(paths.openTops, [{ dir: join(s.user, 'node_modules'), entries: ['dep'] }]);
  assert.equal(paths.home, s.home);
  assert.ok(paths.system.includes('/usr') && paths.system.includes('/etc'));
  assert.ok(!paths.system.includes('/var') && !paths.system.includes('/home') && !paths.system.includes('/root'));
  assert.ok(paths.scratchDirs.includes('/tmp'));
});

test('tool folders: installs on PATH, language environments by variable and under the home; never the home itself or the checkout', async (t) => {
  const s = scene();
  t.after(() => rmSync(s.root, { recursive: true }));
  for (const d of ['.pyenv/shims', '.cargo/bin', '.local/bin', '.local/share/keyrings', 'venv/bin', 'other']) mkdirSync(join(s.home, d), { recursive: true });
  writeFileSync(join(s.home, '.cargo', 'credentials.toml'), 'token = "x"');
  const env = { HOME: s.home, PATH: [join(s.home, '.pyenv/shims'), join(s.home, '.cargo/bin'), join(s.home, '.local/bin'), '/usr/bin', join(s.user, 'node_modules', '.bin')].join(':'), VIRTUAL_ENV: join(s.home, 'venv') };
  const paths = await resolveSandboxPaths({ command: 'x', cwd: s.worktree, writable: [s.worktree], hidden: [s.user], env });
  assert.deepEqual(paths.tools.filter((p) => p.startsWith(s.root)).sort(), [join(s.home, '.cargo'), join(s.home, '.local/bin'), join(s.home, '.pyenv'), join(s.home, 'venv')]);
  assert.ok(paths.secretFiles.includes(join(s.home, '.cargo', 'credentials.toml')));
});

test('a hidden path inside the worktree is ignored: it would hide the candidate from itself', async (t) => {
  const s = scene();
  t.after(() => rmSync(s.root, { recursive: true }));
  const paths = await resolveSandboxPaths({ command: 'x', cwd: s.worktree, writable: [s.worktree], hidden: [join(s.worktree, 'a.txt')], env: { HOME: s.home } });
  assert.deepEqual(paths.hiddenFiles, []);
});

test('a missing worktree or working directory is refused', async (t) => {
  const s = scene();
  t.after(() => rmSync(s.root, { recursive: true }));
  const missing = join(s.root, 'nope');
  for (const spec of [
    { command: 'x', cwd: s.worktree, writable: [missing], env: {} },
    { command: 'x', cwd: missing, writable: [s.worktree], env: {} },
    { command: 'x', cwd: s.worktree, writable: [], env: {} },
  ]) {
    await assert.rejects(resolveSandboxPaths(spec), (err: unknown) => err instanceof HydrapatchError && /^sandbox_/.test(err.code) && Boolean(err.hint));
  }
});

test('nested dependency links named in .worktreeinclude stay readable too', async (t) => {
  const s = scene();
  t.after(() => rmSync(s.root, { recursive: true }));
  mkdirSync(join(s.user, 'packages', 'a', 'node_modules'), { recursive: true });
  mkdirSync(join(s.worktree, 'packages', 'a'), { recursive: true });
  symlinkSync(join(s.user, 'packages', 'a', 'node_modules'), join(s.worktree, 'packages', 'a', 'node_modules'));
  writeFileSync(join(s.worktree, '.worktreeinclude'), '# linked by the pool\npackages/a/node_modules\n');
  const paths = await resolveSandboxPaths({ command: 'x', cwd: s.worktree, writable: [s.worktree], env: { HOME: s.home } });
  assert.ok(paths.readOnly.includes(join(s.user, 'packages', 'a', 'node_modules')));
});
