import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineFromRuns } from '../../../../src/core/testing/baseline';
import { judge } from '../../../../src/core/testing/judge';
import type { TestCaseResult, TestRunResult } from '../../../../src/core/testing/types';

function run(tests: [string, TestCaseResult['status']][], exitCode: number): TestRunResult {
  return {
    command: 't', exitCode, signal: null, timedOut: false, outputCapped: false, durationMs: 1, format: 'tap',
    tests: tests.map(([name, status]) => ({ name, status })), ok: exitCode === 0, outputTail: '', sandbox: 'none',
  };
}

const base = baselineFromRuns([
  run([['a', 'pass'], ['b', 'fail'], ['c', 'pass'], ['f', 'fail']], 1),
  run([['a', 'pass'], ['b', 'fail'], ['c', 'pass'], ['f', 'pass']], 1),
]);

test('the baseline separates consistent failures from flaky tests', () => {
  assert.deepEqual(base.failing, ['b']);
  assert.deepEqual(base.flaky, ['f']);
});

test('verdicts: fixes all, fixes and breaks, deletes a test, changes nothing, fails only a flaky test', () => {
  assert.deepEqual(judge(run([['a', 'pass'], ['b', 'pass'], ['c', 'pass'], ['f', 'pass']], 0), base), { fixed: ['b'], broken: [], verdict: 'verified' });
  assert.deepEqual(judge(run([['a', 'pass'], ['b', 'pass'], ['c', 'fail'], ['f', 'pass']], 1), base), { fixed: ['b'], broken: ['c'], verdict: 'breaks' });
  assert.deepEqual(judge(run([['a', 'pass'], ['b', 'pass']], 0), base), { fixed: ['b'], broken: ['c'], verdict: 'breaks' });
  assert.deepEqual(judge(run([['a', 'pass'], ['b', 'fail'], ['c', 'pass'], ['f', 'pass']], 1), base), { fixed: [], broken: [], verdict: 'no-fix' });
  assert.deepEqual(judge(run([['a', 'pass'], ['b', 'pass'], ['c', 'pass'], ['f', 'fail']], 1), base), { fixed: ['b'], broken: [], verdict: 'verified' });
  assert.deepEqual(judge(run([], 2), base), { fixed: [], broken: ['a', 'c'], verdict: 'breaks' });
  assert.equal(judge({ ...run([], 0), timedOut: true }, base).verdict, 'error');
});

test('a baseline with no failing test verifies nothing', () => {
  const green = baselineFromRuns([run([['a', 'pass'], ['c', 'pass']], 0)]);
  assert.deepEqual(judge(run([['a', 'pass'], ['c', 'pass']], 0), green), { fixed: [], broken: [], verdict: 'no-fix' });
  assert.deepEqual(judge(run([['a', 'pass'], ['c', 'fail']], 1), green), { fixed: [], broken: ['c'], verdict: 'breaks' });
});
