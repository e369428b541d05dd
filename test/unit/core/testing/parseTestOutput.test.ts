import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../../../helpers/gitRepo';
import { runTests } from '../../../../src/core/testing/runTests';
import type { TestCaseResult } from '../../../../src/core/testing/types';

// Real runs of real test tools on small suites whose outcomes are known by construction.
const nodeSuite = `const { test, describe } = require('node:test');
const assert = require('node:assert');
describe('suite', () => { test('inner ok', () => {}); test('inner bad', () => assert.equal(1, 2)); });
test('top ok', () => {});
test('skipme', { skip: true }, () => {});
test('parent', async (t) => { await t.test('child', () => {}); });
`;
const nodeExpected = [
  { name: 'parent > child', status: 'pass' },
  { name: 'skipme', status: 'skip' },
  { name: 'suite > inner bad', status: 'fail' },
  { name: 'suite > inner ok', status: 'pass' },
  { name: 'top ok', status: 'pass' },
];
const pySuite = `import unittest
class TestX(unittest.TestCase):
    def test_ok(self): pass
    def test_bad(self): self.assertEqual(1, 2)
    def test_err(self): raise ValueError()
    @unittest.skip("no")
    def test_skip(self): pass
`;

const sorted = (t: TestCaseResult[]) => [...t].sort((a, b) => a.name.localeCompare(b.name));

async function inTemp<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'hp-parse-'));
  try {
    writeFiles(dir, files);
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const limits = { timeoutMs: 60_000, outputCapBytes: 4 << 20 };

test('node --test TAP and spec output give the same per-test results', async () => {
  await inTemp({ 'a.test.js': nodeSuite }, async (dir) => {
    const tap = await runTests({ command: 'node --test --test-reporter=tap', cwd: dir, ...limits });
    assert.equal(tap.format, 'tap');
    assert.deepEqual(sorted(tap.tests), nodeExpected);
    assert.equal(tap.ok, false);
    const spec = await runTests({ command: 'node --test --test-reporter=spec', cwd: dir, ...limits });
    assert.equal(spec.format, 'node-spec');
    assert.deepEqual(sorted(spec.tests), nodeExpected);
  });
});

test('python unittest -v and pytest -rA results are read', async () => {
  await inTemp({ 'test_m.py': pySuite }, async (dir) => {
    const ut = await runTests({ command: 'python3 -m unittest -v', cwd: dir, ...limits });
    assert.equal(ut.format, 'unittest');
    assert.deepEqual(sorted(ut.tests), [
      { name: 'test_m.TestX.test_bad', status: 'fail' },
      { name: 'test_m.TestX.test_err', status: 'fail' },
      { name: 'test_m.TestX.test_ok', status: 'pass' },
      { name: 'test_m.TestX.test_skip', status: 'skip' },
    ]);
    const py = await runTests({ command: 'python3 -m pytest -rA -v -p no:cacheprovider', cwd: dir, ...limits });
    assert.equal(py.format, 'pytest');
    assert.deepEqual(sorted(py.tests), [
      { name: 'test_m.py::TestX::test_bad', status: 'fail' },
      { name: 'test_m.py::TestX::test_err', status: 'fail' },
      { name: 'test_m.py::TestX::test_ok', status: 'pass' },
      { name: 'test_m.py::TestX::test_skip', status: 'skip' },
    ]);
  });
});

test('output without a known format falls back to the exit code', async () => {
  const r = await runTests({ command: 'echo all good', cwd: tmpdir(), ...limits });
  assert.equal(r.format, 'exit-code');
  assert.deepEqual(r.tests, []);
  assert.equal(r.ok, true);
});
