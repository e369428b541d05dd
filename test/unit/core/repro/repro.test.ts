import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countSamples } from '../../../../src/protocol/promptTree';
import { buildRepairPrompt, toPromptTree } from '../../../../src/core/prompt/buildPrompt';
import { plainWrap } from '../../../../src/core/prompt/chatWrap';
import { reproPath } from '../../../../src/core/repro/reproPath';
import { isTestFilePath } from '../../../../src/core/testing/testFiles';
import { parseReproTest } from '../../../../src/core/repro/parseReproTest';
import { judgeWithRepro } from '../../../../src/core/repro/judgeWithRepro';
import { reproLeafLabel } from '../../../../src/core/repro/reproPrompt';
import { rankCandidates } from '../../../../src/core/rank/rankCandidates';
import type { Baseline, TestCaseResult, TestRunResult } from '../../../../src/core/testing/types';
import type { ReproTest } from '../../../../src/core/repro/types';

test('a reproduction test keeps its folder and its runner\'s discovery pattern, under a name no user file has', () => {
  assert.equal(reproPath('tests/test_cart.py', 3), 'tests/test_hydrapatch_repro3_cart.py');
  assert.equal(reproPath('test/cart.test.js', 0), 'test/hydrapatch_repro0_cart.test.js');
  assert.equal(reproPath('test-cart.js', 1), 'test-hydrapatch_repro1_cart.js');
  assert.equal(reproPath('pkg/cart_test.go', 2), 'pkg/hydrapatch_repro2_cart_test.go');
  for (const p of ['tests/test_cart.py', 'test/cart.test.js', 'src/__tests__/a.js', 'a.spec.ts', 'pkg/cart_test.go', 'test-cart.js', 'test.js', 'specs/cart_spec.rb']) assert.ok(isTestFilePath(p), p);
  for (const p of ['src/cart.py', 'cart.js', 'lib/testing.js']) assert.ok(!isTestFilePath(p), p);
});

test('a test sample that edits source files, or holds no edit, is not a reproduction test', () => {
  const block = (path: string) => `${path}\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n`;
  assert.match((parseReproTest(block('tests/test_a.py') + block('src/a.py')) as { reason: string }).reason, /not tests \(src\/a\.py\)/);
  assert.match((parseReproTest('I cannot write a test.') as { reason: string }).reason, /no edit/);
  const ok = parseReproTest(block('tests/test_a.py') + block('tests/test_b.py'));
  assert.ok('path' in ok && ok.path === 'tests/test_a.py' && ok.edits.length === 1);
});

test('the reproduction-test leaf sits under the same root as the patches, with its own n', () => {
  const context = { repoMap: '', files: [{ path: 'a.js', text: 'x\n', score: 1, reasons: [] }] };
  const tree = toPromptTree(buildRepairPrompt({ context, issueText: 'bug', n: 8, reproTests: 2 }), plainWrap);
  assert.deepEqual(tree.root.children?.map((c) => [c.label, c.n]), [[undefined, 8], [reproLeafLabel, 2]]);
  assert.equal(countSamples(tree.root), 10);
  assert.match(tree.root.children![1].text!, /write a test that fails because of this issue/);
});

const run = (tests: TestCaseResult[], exitCode: number): TestRunResult => ({
  command: 't', exitCode, signal: null, timedOut: false, outputCapped: false, durationMs: 1, format: 'tap', tests, ok: exitCode === 0, outputTail: '', sandbox: 'none',
});
const kept = (index: number, failing: string[]): ReproTest => ({ index, kept: true, requestedPath: 'x', path: 'x', content: '', failing });

test('verified by reproduction needs the quorum of kept tests passing and no broken test; the evidence is named', () => {
  const baseline: Baseline = { run: run([{ name: 'old', status: 'pass' }], 0), failing: [], flaky: [] };
  const tests = [kept(10, ['r1']), kept(11, ['r2a', 'r2b'])];
  const onePasses = run([{ name: 'old', status: 'pass' }, { name: 'r1', status: 'pass' }, { name: 'r2a', status: 'pass' }, { name: 'r2b', status: 'fail' }], 1);
  assert.deepEqual(judgeWithRepro(onePasses, baseline, tests), { fixed: [], broken: [], verdict: 'partial', repro: { passed: [10], failed: [11] }, evidence: 'reproduction-tests' });
  assert.equal(judgeWithRepro(onePasses, baseline, tests, 1).verdict, 'verified');
  const breaks = run([{ name: 'old', status: 'fail' }, { name: 'r1', status: 'pass' }, { name: 'r2a', status: 'pass' }, { name: 'r2b', status: 'pass' }], 1);
  assert.equal(judgeWithRepro(breaks, baseline, tests).verdict, 'breaks');
  const withFailing: Baseline = { run: run([{ name: 'old', status: 'fail' }], 1), failing: ['old'], flaky: [] };
  const fixesBoth = run([{ name: 'old', status: 'pass' }, { name: 'r1', status: 'pass' }, { name: 'r2a', status: 'pass' }, { name: 'r2b', status: 'pass' }], 0);
  assert.deepEqual([judgeWithRepro(fixesBoth, withFailing, tests).verdict, judgeWithRepro(fixesBoth, withFailing, tests).evidence], ['verified', 'both']);
  assert.deepEqual([judgeWithRepro(onePasses, withFailing, tests).verdict, judgeWithRepro(onePasses, withFailing, tests).evidence], ['partial', 'both']);
});

test('dual agreement (tests passed × group size) ranks before consensus alone', () => {
  const c = (index: number, diff: string, passed: number[]) => ({ index, diff, verdict: 'partial' as const, fixed: [], broken: [], repro: { passed } });
  const diffA = '--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n';
  const diffB = '--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+z\n';
  // A: two tests × two samples = 4; B: one test × three samples = 3.
  const ranking = rankCandidates([c(0, diffB, [7]), c(1, diffB, [7]), c(2, diffB, [7]), c(3, diffA, [7, 8]), c(4, diffA, [7, 8])]);
  assert.deepEqual(ranking.groups.map((g) => [g.members, g.agreement]), [[[3, 4], 4], [[0, 1, 2], 3]]);
});
