import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, repoFromFixture, userState, writeFiles } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { runsBase } from '../../../src/core/worktree/runDir';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import type { SolveProgress, SolveResult } from '../../../src/core/pipeline/types';
import { jsSamples, pySamples, type FixtureSample } from './fixtureSamples';

/** C(a, b) for small numbers, exactly. */
function choose(a: number, b: number): number {
  let r = 1;
  for (let i = 0; i < b; i++) r = (r * (a - i)) / (i + 1);
  return r;
}

async function solveFixture(fixture: string, samples: FixtureSample[], testCommand: string, check: (result: SolveResult, repoDir: string) => void) {
  const repo = repoFromFixture(fixture);
  try {
    // Uncommitted work of the user's: an untracked note and a staged file; both must survive untouched.
    writeFiles(repo.dir, { 'NOTES.local.md': 'my notes\n', 'staged.txt': 'staged\n' });
    git(repo.dir, 'add', 'staged.txt');
    const before = userState(repo.dir);
    let last: SolveProgress | undefined;
    const result = await solve(
      {
        repoDir: repo.dir,
        issueText: 'The tests fail; fix the bug.',
        n: samples.length,
        testCommand,
        source: new FromSamplesSource(samples.map((s) => s.text)),
        sampleParams: defaultSampleParams,
        parallelTests: 2,
        testTimeoutMs: 60_000,
        outputCapBytes: 1 << 20,
        sandbox: 'auto',
        allowUnsandboxed: async () => true,
        contextBudgetTokens: 4000,
      },
      { onProgress: (p) => (last = p) },
      new AbortController().signal,
    );
    assert.equal(result.candidates.length, samples.length);
    const sandbox = await detectSandbox();
    assert.equal(result.sandbox, sandbox.available ? sandbox.kind : 'none', 'tests ran in the sandbox where one is available');
    assert.ok(result.candidates.every((c) => !c.test || c.test.sandbox === result.sandbox));
    for (const [i, s] of samples.entries()) {
      const c = result.candidates[i];
      assert.equal(c.index, i);
      assert.equal(c.apply.status, s.apply, `sample ${i} apply: ${c.apply.reason ?? ''}`);
      assert.equal(c.verdict, s.verdict, `sample ${i} verdict (${c.test?.outputTail.slice(-400)})`);
    }
    // Same fix → same group; different fixes → different groups.
    const fixes = new Map<string, Set<number | null>>();
    for (const [i, s] of samples.entries()) if (s.fix) fixes.set(s.fix, (fixes.get(s.fix) ?? new Set()).add(result.candidates[i].group));
    for (const [fix, ids] of fixes) assert.equal(ids.size, 1, `fix ${fix} split over groups ${[...ids]}`);
    assert.equal(new Set([...fixes.values()].map((ids) => [...ids][0])).size, fixes.size);

    const n = samples.length;
    const c = samples.filter((s) => s.verdict === 'verified').length;
    assert.equal(result.coverage.n, n);
    assert.equal(result.coverage.c, c);
    for (const k of [1, 2, 4]) {
      const expected = 1 - choose(n - c, k) / choose(n, k);
      assert.ok(Math.abs(result.coverage.curve.find((p) => p.k === k)!.p - expected) < 1e-12, `pass@${k}`);
    }
    assert.deepEqual(last, {
      total: n,
      sampled: n,
      applied: samples.filter((s) => s.apply === 'clean' || s.apply === 'fuzzy').length,
      tested: samples.filter((s) => s.verdict !== 'not-applied').length,
      passing: c,
      finished: n,
    });
    assert.equal(userState(repo.dir).size, before.size);
    assert.deepEqual(userState(repo.dir), before, "the user's files, index and refs are unchanged");
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, 'no worktree is left');
    assert.equal(existsSync(runsBase(repo.dir)), false, 'the run folder is gone');
    check(result, repo.dir);
  } finally {
    repo.cleanup();
  }
}

/** The prediction, applied with `git apply` to a fresh clone, makes its tests pass: an independent check. */
function predictionPasses(repoDir: string, patch: string, testCommand: string): boolean {
  const clone = `${repoDir}-clone`;
  execFileSync('git', ['clone', '-q', repoDir, clone]);
  writeFileSync(join(clone, 'fix.patch'), patch);
  git(clone, 'apply', 'fix.patch');
  const r = spawnSync('/bin/sh', ['-c', testCommand], { cwd: clone, env: { ...process.env, NODE_TEST_CONTEXT: '' } });
  execFileSync('rm', ['-rf', clone]);
  return r.status === 0;
}

test('JavaScript fixture (node --test): the consensus fix wins, counts and pass@k match the hand-computed values', async () => {
  const cmd = 'node --test --test-reporter=tap';
  await solveFixture('jsStats', jsSamples, cmd, (result, repoDir) => {
    assert.deepEqual(result.baseline.failing, ['mean averages every element']);
    const top = result.groups[0];
    assert.equal(top.rank, 1);
    assert.equal(top.verdict, 'verified');
    assert.deepEqual(top.members, jsSamples.flatMap((s, i) => (s.fix === 'loop' ? [i] : [])));
    assert.deepEqual(top.fixed, ['mean averages every element']);
    assert.equal(result.groups[1].verdict, 'verified');
    assert.ok(result.prediction);
    assert.equal(result.prediction.model_patch, top.diff);
    assert.ok(predictionPasses(repoDir, result.prediction.model_patch, cmd));
    assert.ok(existsSync(join(repoDir, 'NOTES.local.md')));
  });
});

test('Python fixture (unittest): the consensus fix wins, counts and pass@k match the hand-computed values', async () => {
  const cmd = 'python3 -m unittest -v';
  await solveFixture('pyTextutil', pySamples, cmd, (result, repoDir) => {
    assert.deepEqual(result.baseline.failing, ['test_textutil.TestClamp.test_above']);
    const top = result.groups[0];
    assert.equal(top.verdict, 'verified');
    assert.deepEqual(top.members, pySamples.flatMap((s, i) => (s.fix === 'hi' ? [i] : [])));
    assert.ok(result.prediction);
    assert.ok(predictionPasses(repoDir, result.prediction.model_patch, cmd));
    const breaking = result.candidates.find((c) => c.verdict === 'breaks' && c.fixed.length > 0);
    // ''.split(' ') is [''] and 'a bb  ccc\n'.split(' ') has an empty word: both word_count tests break.
    assert.deepEqual(breaking?.broken, ['test_textutil.TestWordCount.test_empty', 'test_textutil.TestWordCount.test_words']);
  });
});
