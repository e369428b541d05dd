// A cancel is a state, not a result: cancelled during the baseline, the solve says "cancelled" and
// reports no baseline and no verdict; cancelled later, the result is marked cancelled and holds only
// the candidates judged before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { assertNoWorktreesLeft, files, solveOptions, sr } from './addFixture';

test('cancelled while the baseline runs: a "cancelled" error, no baseline reported, nothing left behind', async () => {
  const repo = makeRepo(files);
  try {
    const ac = new AbortController();
    let baselines = 0;
    setTimeout(() => ac.abort(), 1500);
    const options = solveOptions(repo.dir, [sr('exports.add = (a, b) => a + b;')], { testCommand: 'sleep 20; node --test --test-reporter=tap' });
    await assert.rejects(solve(options, { onBaseline: () => baselines++ }, ac.signal), { code: 'cancelled', message: /cancelled before the baseline finished/ });
    assert.equal(baselines, 0);
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('cancelled after the baseline: the result says cancelled and judged no candidate from a killed run', async () => {
  const repo = makeRepo(files);
  try {
    const ac = new AbortController();
    // The baseline is quick; the candidate's run sleeps, so it is killed by the cancel.
    const command = 'if grep -q "a + b" lib.js; then sleep 20; fi; node --test --test-reporter=tap';
    const options = solveOptions(repo.dir, [sr('exports.add = (a, b) => a + b;')], { testCommand: command });
    const result = await solve(options, { onBaseline: () => setTimeout(() => ac.abort(), 1000) }, ac.signal);
    assert.equal(result.cancelled, true, JSON.stringify({ ...result, candidates: result.candidates.map((c) => [c.verdict, c.test?.outputTail]) }).slice(0, 3000));
    assert.deepEqual(result.baseline.failing, ['add']);
    assert.equal(result.candidates.length, 0, 'the killed run is not a verdict');
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});
