// The author a sandboxed test run commits as: read from the worktree's repository config, then the
// user's global config, through git itself; nothing when neither sets one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, makeRepo } from '../../../helpers/gitRepo';
import { readGitIdentity } from '../../../../src/core/sandbox/gitIdentity';

/** Runs `f` with a home of its own and no system config, restoring the environment after. */
async function withHome<T>(home: string, f: () => Promise<T>): Promise<T> {
  const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
  Object.assign(process.env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1' });
  delete process.env.GIT_CONFIG_GLOBAL;
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

test('the repository\'s identity first, then the global one, else none', async () => {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  const home = mkdtempSync(join(tmpdir(), 'hp-home-'));
  try {
    await withHome(home, async () => {
      assert.deepEqual(await readGitIdentity(repo.dir), {});
      writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Global Name\n\temail = global@example.org\n');
      assert.deepEqual(await readGitIdentity(repo.dir), { name: 'Global Name', email: 'global@example.org' });
      git(repo.dir, 'config', 'user.name', 'Ada Lovelace');
      assert.deepEqual(await readGitIdentity(repo.dir), { name: 'Ada Lovelace', email: 'global@example.org' });
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
    repo.cleanup();
  }
});
