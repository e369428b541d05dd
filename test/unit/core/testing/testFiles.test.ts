import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../../../helpers/gitRepo';
import { separateTestEdits, testFileGuard } from '../../../../src/core/testing/testFiles';

async function guardFor(files: Record<string, string>, command: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hp-guard-'));
  writeFiles(dir, files);
  try {
    return await testFileGuard(dir, command);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('test files by folder, name and config; files the test command runs; code is not a test', async () => {
  const g = await guardFor({ 'test.sh': 'exit 0\n', 'package.json': '{"scripts":{"test":"npm run unit","unit":"node scripts/check.mjs"}}', 'scripts/check.mjs': '' }, 'npm test');
  for (const p of ['test/a.js', 'pkg/tests/x.py', 'src/__tests__/a.ts', 'a_test.go', 'test_a.py', 'a.test.ts', 'a.spec.js', 'conftest.py', 'jest.config.js', 'vitest.config.ts', 'pytest.ini', '.mocharc.yml', 'scripts/check.mjs']) {
    assert.ok(g.isTestFile(p), p);
  }
  for (const p of ['src/a.js', 'lib/testing_utils.py', 'contest.py', 'test.sh', 'README.md']) assert.ok(!g.isTestFile(p), p);
  const sh = await guardFor({ 'test.sh': 'exit 0\n' }, 'sh ./test.sh');
  assert.ok(sh.isTestFile('test.sh'));
  // A file the command only reads is not the test script.
  const grepped = await guardFor({ 'lib.js': '' }, 'grep -q x lib.js && node --test');
  assert.ok(!grepped.isTestFile('lib.js'));
});

test('package.json: the scripts the tests go through and runner settings are put back; dependencies stay', async () => {
  const before = JSON.stringify({ name: 'x', scripts: { test: 'mocha', pretest: 'lint', build: 'tsc' }, jest: { a: 1 } }, null, 2) + '\n';
  const g = await guardFor({ 'package.json': before }, 'npm test');
  const after = JSON.stringify({ name: 'x', scripts: { test: 'echo ok', build: 'tsc -b' }, dependencies: { leftpad: '1.0.0' } }, null, 2) + '\n';
  const { kept, testFiles } = separateTestEdits([{ path: 'package.json', before, after }, { path: 'src/a.js', before: 'a', after: 'b' }], g);
  assert.deepEqual(testFiles, ['package.json']);
  const pkg = JSON.parse(kept[0].after!);
  assert.deepEqual(pkg.scripts, { test: 'mocha', build: 'tsc -b', pretest: 'lint' });
  assert.deepEqual(pkg.jest, { a: 1 });
  assert.deepEqual(pkg.dependencies, { leftpad: '1.0.0' });
  assert.equal(kept[1].path, 'src/a.js');
  // Only the test script changed: nothing is left of the change.
  const onlyScript = before.replace('"test": "mocha"', '"test": "true"');
  assert.deepEqual(separateTestEdits([{ path: 'package.json', before, after: onlyScript }], g), { kept: [], testFiles: ['package.json'] });
});

test('pyproject.toml: pytest settings are put back, the rest of the change stays', async () => {
  const g = await guardFor({}, 'pytest');
  const before = '[project]\nname = "x"\ndependencies = []\n\n[tool.pytest.ini_options]\naddopts = "-q"\n';
  const after = '[project]\nname = "x"\ndependencies = ["attrs"]\n\n[tool.pytest.ini_options]\naddopts = "-q -k not_the_failing_one"\n';
  const { kept, testFiles } = separateTestEdits([{ path: 'pyproject.toml', before, after }], g);
  assert.deepEqual(testFiles, ['pyproject.toml']);
  assert.equal(kept[0].after, '[project]\nname = "x"\ndependencies = ["attrs"]\n\n[tool.pytest.ini_options]\naddopts = "-q"\n');
  const untouched = separateTestEdits([{ path: 'pyproject.toml', before, after: before.replace('[]', '["attrs"]') }], g);
  assert.deepEqual(untouched.testFiles, []);
});
