// A one-file JavaScript repository whose add() subtracts, with the node test that catches it, and
// the solve options and clean-up check the pipeline's mode tests share.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { git } from '../../helpers/gitRepo';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { runsBase } from '../../../src/core/worktree/runDir';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import type { SolveOptions } from '../../../src/core/pipeline/types';

export const bug = 'exports.add = (a, b) => a - b;';

/** A search/replace block on lib.js, replacing `search` (the buggy line by default). */
export const sr = (replace: string, search = bug) => `lib.js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

export const files = {
  'lib.js': `${bug}\n`,
  'lib.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./lib');\ntest('add', () => assert.equal(add(2, 3), 5));\n",
};

/** Options for solving the fixture from raw `texts`, unsandboxed with consent; `extra` overrides. */
export function solveOptions(repoDir: string, texts: string[], extra: Partial<SolveOptions>): SolveOptions {
  return {
    repoDir, issueText: 'add() subtracts', n: texts.length, testCommand: 'node --test --test-reporter=tap',
    source: new FromSamplesSource(texts), sampleParams: defaultSampleParams, parallelTests: 2,
    testTimeoutMs: 60_000, outputCapBytes: 1 << 20, sandbox: 'off', allowUnsandboxed: async () => true, contextBudgetTokens: 2000, ...extra,
  };
}

/** Only the user's own worktree is left, and the run folder is gone. */
export function assertNoWorktreesLeft(repoDir: string): void {
  assert.equal(git(repoDir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  assert.equal(existsSync(runsBase(repoDir)), false, 'the run folder is gone');
}
