// Candidates whose tests leave things behind, through the whole pipeline in the real sandbox: one
// re-points the worktree's node_modules link at the user's checkout and leaves a tree nested past
// PATH_MAX; the candidates after it, in the same reused worktrees, must not see the user's ignored
// .env through that link, the run must finish with every verdict, and leave no run folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, writeFiles } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { runsBase } from '../../../src/core/worktree/runDir';
import { defaultSampleParams } from '../../../src/protocol/sampling';

const bug = 'exports.add = (a, b) => a - b;';
const sr = (search: string, replace: string) => `lib.js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const fixWith = (extra: string) => sr(bug, `exports.add = (a, b) => a + b;\n${extra}`);

// Runs when the test requires lib.js, inside the sandbox.
const planter = (userRepo: string) => fixWith(`{
  const fs = require('node:fs'); const p = require('node:path');
  fs.rmSync(p.join(__dirname, 'node_modules'), { force: true });
  fs.symlinkSync(${JSON.stringify(userRepo)}, p.join(__dirname, 'node_modules'));
  const step = Array(10).fill('d'.repeat(200));
  const top = p.join(__dirname, 'deep'); const next = p.join(__dirname, 'deep-next');
  fs.mkdirSync(p.join(top, ...step), { recursive: true });
  for (let i = 0; i < 3; i++) { fs.mkdirSync(p.join(next, ...step.slice(1)), { recursive: true }); fs.renameSync(top, p.join(next, ...step)); fs.renameSync(next, top); }
}`);
// A reader breaks add() when it can read the user's .env through node_modules: "breaks" then tells.
const reader = (n: number) => fixWith(`// reader ${n}\nif (require('node:fs').existsSync(__dirname + '/node_modules/.env')) exports.add = () => 'leaked';`);

test('what a candidate leaves (a re-pointed link, a tree past PATH_MAX) reaches no later candidate and blocks nothing', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const repo = makeRepo({
    '.gitignore': 'node_modules/\n.env\n',
    'lib.js': `${bug}\n`,
    'lib.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\ntest('add', () => assert.equal(require('./lib').add(2, 3), 5));\n",
  });
  t.after(() => repo.cleanup());
  writeFiles(repo.dir, { '.env': 'API_KEY=the-users-secret\n', 'node_modules/dep/index.js': 'module.exports = 1;\n' });
  const samples = [planter(repo.dir), reader(1), reader(2), reader(3)];
  const result = await solve(
    {
      repoDir: repo.dir, issueText: 'add() subtracts', n: samples.length, testCommand: 'node --test --test-reporter=tap',
      source: new FromSamplesSource(samples), sampleParams: defaultSampleParams, parallelTests: 1, testTimeoutMs: 30_000,
      outputCapBytes: 1 << 20, sandbox: 'required', contextBudgetTokens: 2000,
    },
    {},
    new AbortController().signal,
  );
  assert.deepEqual(result.candidates.map((c) => c.verdict), ['verified', 'verified', 'verified', 'verified']);
  const left = existsSync(runsBase(repo.dir)) ? readdirSync(runsBase(repo.dir)).filter((n) => n.startsWith('run-')) : [];
  assert.deepEqual(left, [], 'no run folder left');
  assert.deepEqual(readdirSync(join(repo.dir, 'node_modules')), ['dep'], "the user's node_modules is untouched");
});
