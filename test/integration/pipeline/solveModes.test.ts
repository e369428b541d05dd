import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { assertNoWorktreesLeft, files, solveOptions, sr } from './addFixture';


test('runTests false (an untrusted folder): candidates are applied and grouped, no test runs, nothing is verified', async () => {
  const repo = makeRepo(files);
  try {
    const texts = [sr('exports.add = (a, b) => a + b;'), sr('exports.add = (a, b) => a + b;'), 'prose', sr('exports.add = (a, b) => b + a;')];
    // A test command that would leave a mark if it ever ran.
    const result = await solve(solveOptions(repo.dir, texts, { runTests: false, testCommand: `touch ${repo.dir}/ran` }), {}, new AbortController().signal);
    assert.equal(existsSync(`${repo.dir}/ran`), false);
    assert.deepEqual(result.candidates.map((c) => c.verdict), ['no-fix', 'no-fix', 'not-applied', 'no-fix']);
    assert.ok(result.candidates.every((c) => c.test === undefined));
    assert.deepEqual(result.groups.map((g) => g.members), [[0, 1], [3]]);
    assert.equal(result.prediction, null);
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('a baseline that does not finish in time stops the solve with a clear error', async () => {
  const repo = makeRepo(files);
  try {
    await assert.rejects(
      solve(solveOptions(repo.dir, [sr('exports.add = (a, b) => a + b;')], { testCommand: 'sleep 30', testTimeoutMs: 300 }), {}, new AbortController().signal),
      (err: Error & { code?: string; hint?: string }) => err.code === 'baseline_failed' && /time limit of 300 ms/.test(err.message) && /--timeout/.test(err.hint ?? ''),
    );
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('sandbox off without the user\'s consent: no test runs, the candidates come back untested with the refusal', async () => {
  const repo = makeRepo(files);
  try {
    const warnings: { code: string; message: string; hint?: string }[] = [];
    const samples = [sr('exports.add = (a, b) => a + b;'), sr('exports.add = (a, b) => b + a;'), 'no patch here'];
    const result = await solve(
      solveOptions(repo.dir, samples, { testCommand: `touch ${repo.dir}/ran`, allowUnsandboxed: async () => false }),
      { onWarning: (w) => warnings.push(w) },
      new AbortController().signal,
    );
    assert.equal(existsSync(`${repo.dir}/ran`), false);
    // Nothing lost: every sample is a candidate, the two patches applied, none tested or verified.
    assert.equal(result.candidates.length, 3);
    assert.deepEqual(result.candidates.map((c) => c.verdict).sort(), ['no-fix', 'no-fix', 'not-applied']);
    assert.ok(result.candidates.every((c) => c.test === undefined));
    assert.equal(result.prediction, null);
    assert.equal(result.testsNotRun?.code, 'sandbox_consent_refused');
    assert.match(result.testsNotRun?.hint ?? '', /hydrapatch\.sandbox|--yes-run-unsandboxed/);
    assert.equal(warnings.filter((w) => w.code === 'sandbox_consent_refused').length, 1);
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});
