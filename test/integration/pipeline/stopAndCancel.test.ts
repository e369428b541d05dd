import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRepo, userState } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { assertNoWorktreesLeft, files, solveOptions, sr } from './addFixture';


test('stopAfterVerified: with one test run at a time, the first verified candidate ends the solve', async () => {
  const repo = makeRepo(files);
  try {
    // Distinct fixes (different comments), so no test run is shared between them.
    const texts = Array.from({ length: 6 }, (_, i) => sr(`exports.add = (a, b) => a + b; // fix ${i}`));
    const result = await solve(solveOptions(repo.dir, texts, { stopAfterVerified: 1, parallelTests: 1 }), {}, new AbortController().signal);
    assert.equal(result.coverage.c, 1);
    assert.equal(result.candidates.filter((c) => c.test).length, 1, 'no second candidate was tested');
    assert.equal(result.stoppedEarly, true);
    assert.ok(result.prediction);
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('aborting the signal kills the test runs in flight and removes the worktrees', async () => {
  const repo = makeRepo(files);
  try {
    const before = userState(repo.dir);
    const texts = [sr('exports.add = (a, b) => a + b;\nwhile (true) {}'), sr('exports.add = (a, b) => a + b; // never reached')];
    const ac = new AbortController();
    const started = Date.now();
    const result = await solve(solveOptions(repo.dir, texts, { parallelTests: 1 }), {
      onBaseline: () => setTimeout(() => ac.abort(), 500),
    }, ac.signal);
    assert.ok(Date.now() - started < 20_000, 'stopped long before the 60 s limit');
    assert.equal(result.stoppedEarly, true);
    assert.equal(result.candidates.filter((c) => c.test).length, 0, 'the killed run is not reported as a result');
    assertNoWorktreesLeft(repo.dir);
    assert.deepEqual(userState(repo.dir), before);
  } finally {
    repo.cleanup();
  }
});
