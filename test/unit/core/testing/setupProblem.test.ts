import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../../../helpers/gitRepo';
import { runTests } from '../../../../src/core/testing/runTests';
import { checkTestSetup } from '../../../../src/core/testing/setupProblem';

// Real commands run by a real shell; each case is what a user's broken set-up prints.
async function setupErrorOf(files: Record<string, string>, command: string): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'hp-setup-'));
  try {
    writeFiles(dir, files);
    const run = await runTests({ command, cwd: dir, timeoutMs: 60_000, outputCapBytes: 1 << 20, reportDir: join(dir, '..', `${join(dir).split('/').pop()}-reports`) });
    try {
      checkTestSetup(run, dir);
      return null;
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'test_setup');
      return (err as Error).message;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}-reports`, { recursive: true, force: true });
  }
}

test('a missing command, a missing npm script, a missing dependency and no tests are set-up errors quoting the output', async () => {
  assert.match((await setupErrorOf({}, 'pnpm-that-is-not-here test'))!, /"pnpm-that-is-not-here" is not installed[\s\S]*exit 127[\s\S]*not found/);
  assert.match((await setupErrorOf({ 'package.json': '{"scripts":{}}' }, 'npm test'))!, /no "test" script/);
  assert.match((await setupErrorOf({ 'test_a.py': 'import not_a_module_xyz\n' }, 'python3 -m unittest -v'))!, /module "not_a_module_xyz" is not installed/);
  assert.match((await setupErrorOf({ 'a.test.js': "require('left-pad-not-installed')\n" }, 'node --test'))!, /package "left-pad-not-installed" is not installed/);
  assert.match((await setupErrorOf({ 'a.py': '' }, 'python3 -m unittest -v'))!, /no tests ran/);
});

test('a failing test, and a missing module of the project itself, are a baseline, not a set-up error', async () => {
  assert.equal(await setupErrorOf({ 'test_a.py': 'import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(1, 2)\n' }, 'python3 -m unittest -v'), null);
  assert.equal(await setupErrorOf({ 'mypkg/__init__.py': '', 'test_a.py': 'import mypkg.missing\n' }, 'python3 -m unittest -v'), null);
});
