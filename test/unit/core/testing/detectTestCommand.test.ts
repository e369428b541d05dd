import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, writeFiles } from '../../../helpers/gitRepo';
import { detectTestCommand } from '../../../../src/core/testing/detectTestCommand';

/** Whether this machine's python3 has pytest: detection must follow what is installed. */
const pytestHere = spawnSync('python3', ['-c', 'import pytest']).status === 0;

async function detectIn(files: Record<string, string>, prepare?: (dir: string) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hp-detect-'));
  try {
    writeFiles(dir, files);
    prepare?.(dir);
    return (await detectTestCommand(dir)).command;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fixtures: npm for the JS one; pytest for the Python one where python3 has pytest, unittest otherwise', async () => {
  assert.equal((await detectTestCommand(join(fixturesDir, 'jsStats'))).command, 'npm test --silent');
  assert.equal((await detectTestCommand(join(fixturesDir, 'pyTextutil'))).command, pytestHere ? 'python3 -m pytest -rA' : 'python3 -m unittest -v');
});

test('pytest from the project environment that has it; a project .venv without pytest is an error, not the system python', async () => {
  // A .venv/bin/python that is a shell script failing every import: pytest is not importable there.
  const noPytest = (dir: string) => chmodSync(join(dir, '.venv/bin/python'), 0o755);
  await assert.rejects(detectIn({ 'pytest.ini': '[pytest]\n', 'tests/test_a.py': '', '.venv/bin/python': '#!/bin/sh\nexit 1\n' }, noPytest), { code: 'no_test_command' });
  const ok = await detectIn({ 'pytest.ini': '[pytest]\n', 'tests/test_a.py': '', '.venv/bin/python': '#!/bin/sh\nexit 0\n' }, noPytest);
  assert.equal(ok, '.venv/bin/python -m pytest -rA');
});

test('a lock file of a package manager that is not installed: the runner from node_modules/.bin', async () => {
  const cmd = await detectIn({ 'package.json': '{"scripts":{"test":"mocha --bail"}}', 'pnpm-lock.yaml': '', 'node_modules/.bin/mocha': '' }, () => undefined);
  const pnpm = spawnSync('sh', ['-c', 'command -v pnpm']).status === 0;
  assert.equal(cmd, pnpm ? 'pnpm test' : 'node_modules/.bin/mocha --bail');
});

test('go and cargo projects; npm init placeholder is no test script', async () => {
  assert.equal(await detectIn({ 'go.mod': 'module x\n' }), 'go test ./...');
  assert.equal(await detectIn({ 'Cargo.toml': '[package]\n' }), 'cargo test');
  await assert.rejects(detectIn({ 'package.json': '{"scripts":{"test":"echo \\"Error: no test specified\\" && exit 1"}}' }), { code: 'no_test_command' });
});
