import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { git, makeRepo, userState } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { runsBase } from '../../../src/core/worktree/runDir';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import type { SolveOptions } from '../../../src/core/pipeline/types';

const bug = 'exports.add = (a, b) => a - b;';
const sr = (search: string, replace: string) => `lib.js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const files = {
  'lib.js': `${bug}\n`,
  'lib.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./lib');\ntest('add', () => assert.equal(add(2, 3), 5));\n",
};

function options(repoDir: string, texts: string[], extra: Partial<SolveOptions>): SolveOptions {
  return {
    repoDir, issueText: 'add() subtracts', n: texts.length, testCommand: 'node --test --test-reporter=tap',
    source: new FromSamplesSource(texts), sampleParams: defaultSampleParams, parallelTests: 1,
    testTimeoutMs: 60_000, outputCapBytes: 1 << 20, sandbox: 'off', allowUnsandboxed: async () => true, contextBudgetTokens: 2000, ...extra,
  };
}

function noWorktreesLeft(repoDir: string): void {
  assert.equal(git(repoDir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  assert.equal(existsSync(runsBase(repoDir)), false, 'the run folder is gone');
}

test('stopAfterVerified: with one test run at a time, the first verified candidate ends the solve', async () => {
  const repo = makeRepo(files);
  try {
    // Distinct fixes (different comments), so no test run is shared between them.
    const texts = Array.from({ length: 6 }, (_, i) => sr(bug, `exports.add = (a, b) => a + b; // fix ${i}`));
    const result = await solve(options(repo.dir, texts, { stopAfterVerified: 1 }), {}, new AbortController().signal);
    assert.equal(result.coverage.c, 1);
    assert.equal(result.candidates.filter((c) => c.test).length, 1, 'no second candidate was tested');
    assert.equal(result.stoppedEarly, true);
    assert.ok(result.prediction);
    noWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('aborting the signal kills the test runs in flight and removes the worktrees', async () => {
  const repo = makeRepo(files);
  try {
    const before = userState(repo.dir);
    const texts = [sr(bug, 'exports.add = (a, b) => a + b;\nwhile (true) {}'), sr(bug, 'exports.add = (a, b) => a + b; // never reached')];
    const ac = new AbortController();
    const started = Date.now();
    const result = await solve(options(repo.dir, texts, {}), {
      onBaseline: () => setTimeout(() => ac.abort(), 500),
    }, ac.signal);
    assert.ok(Date.now() - started < 20_000, 'stopped long before the 60 s limit');
    assert.equal(result.stoppedEarly, true);
    assert.equal(result.candidates.filter((c) => c.test).length, 0, 'the killed run is not reported as a result');
    noWorktreesLeft(repo.dir);
    assert.deepEqual(userState(repo.dir), before);
  } finally {
    repo.cleanup();
  }
});
