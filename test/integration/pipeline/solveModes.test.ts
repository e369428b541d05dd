import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { git, makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { runsBase } from '../../../src/core/worktree/runDir';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import type { SolveOptions } from '../../../src/core/pipeline/types';

const bug = 'exports.add = (a, b) => a - b;';
const sr = (replace: string) => `lib.js\n<<<<<<< SEARCH\n${bug}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const files = {
  'lib.js': `${bug}\n`,
  'lib.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./lib');\ntest('add', () => assert.equal(add(2, 3), 5));\n",
};

function options(repoDir: string, texts: string[], extra: Partial<SolveOptions>): SolveOptions {
  return {
    repoDir, issueText: 'add() subtracts', n: texts.length, testCommand: 'node --test --test-reporter=tap',
    source: new FromSamplesSource(texts), sampleParams: defaultSampleParams, parallelTests: 2,
    testTimeoutMs: 60_000, outputCapBytes: 1 << 20, sandbox: 'off', allowUnsandboxed: async () => true, contextBudgetTokens: 2000, ...extra,
  };
}

function clean(repoDir: string): void {
  assert.equal(git(repoDir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  assert.equal(existsSync(runsBase(repoDir)), false);
}

test('runTests false (an untrusted folder): candidates are applied and grouped, no test runs, nothing is verified', async () => {
  const repo = makeRepo(files);
  try {
    const texts = [sr('exports.add = (a, b) => a + b;'), sr('exports.add = (a, b) => a + b;'), 'prose', sr('exports.add = (a, b) => b + a;')];
    // A test command that would leave a mark if it ever ran.
    const result = await solve(options(repo.dir, texts, { runTests: false, testCommand: `touch ${repo.dir}/ran` }), {}, new AbortController().signal);
    assert.equal(existsSync(`${repo.dir}/ran`), false);
    assert.deepEqual(result.candidates.map((c) => c.verdict), ['no-fix', 'no-fix', 'not-applied', 'no-fix']);
    assert.ok(result.candidates.every((c) => c.test === undefined));
    assert.deepEqual(result.groups.map((g) => g.members), [[0, 1], [3]]);
    assert.equal(result.prediction, null);
    clean(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('a baseline that does not finish in time stops the solve with a clear error', async () => {
  const repo = makeRepo(files);
  try {
    await assert.rejects(
      solve(options(repo.dir, [sr('exports.add = (a, b) => a + b;')], { testCommand: 'sleep 30', testTimeoutMs: 300 }), {}, new AbortController().signal),
      (err: Error & { code?: string; hint?: string }) => err.code === 'baseline-failed' && /time limit of 300 ms/.test(err.message) && /--timeout/.test(err.hint ?? ''),
    );
    clean(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('sandbox off without the user\'s consent: no test runs, the refusal says how to agree', async () => {
  const repo = makeRepo(files);
  try {
    await assert.rejects(
      solve(options(repo.dir, [sr('exports.add = (a, b) => a + b;')], { testCommand: `touch ${repo.dir}/ran`, allowUnsandboxed: async () => false }), {}, new AbortController().signal),
      (err: Error & { code?: string }) => err.code === 'sandbox-consent-refused',
    );
    assert.equal(existsSync(`${repo.dir}/ran`), false);
    clean(repo.dir);
  } finally {
    repo.cleanup();
  }
});
