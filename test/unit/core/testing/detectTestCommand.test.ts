import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, writeFiles } from '../../../helpers/gitRepo';
import { detectTestCommand } from '../../../../src/core/testing/detectTestCommand';

async function detectIn(files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hp-detect-'));
  try {
    writeFiles(dir, files);
    return await detectTestCommand(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fixtures: npm test for the JS one, unittest for the Python one', async () => {
  assert.equal(await detectTestCommand(join(fixturesDir, 'jsStats')), 'npm test --silent');
  assert.equal(await detectTestCommand(join(fixturesDir, 'pyTextutil')), 'python3 -m unittest -v');
});

test('pytest, go and cargo projects; npm init placeholder is no test script', async () => {
  assert.equal(await detectIn({ 'pyproject.toml': '[tool.pytest.ini_options]\n', 'tests/test_a.py': '' }), 'python3 -m pytest -rA -v');
  assert.equal(await detectIn({ 'go.mod': 'module x\n' }), 'go test -v ./...');
  assert.equal(await detectIn({ 'Cargo.toml': '[package]\n' }), 'cargo test');
  await assert.rejects(detectIn({ 'package.json': '{"scripts":{"test":"echo \\"Error: no test specified\\" && exit 1"}}' }), { code: 'no-test-command' });
});
