// Reproduction tests end to end, on real repositories made here whose bug no test catches yet
// (JavaScript with node:test through the CLI, Python with pytest through solve()): hand-written test
// samples (a good reproduction, one that fails at import, one that passes on the unmodified tree, one
// that asserts the buggy behaviour, one whose own code throws) and patch samples (right twice, wrong,
// test-editing). Only the good test is kept; only the right patch is verified, by reproduction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepo, userState } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { withTestSamples } from '../../../src/core/sampling/withTestSamples';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import type { SolveResult } from '../../../src/core/pipeline/types';
import { RunState } from '../../../src/extension/runState';
import { panelState } from '../../../src/extension/panelState';

const cliMain = join(__dirname, '../../../src/cli/main.ts');
const newFile = (path: string, body: string) => `${path}\n<<<<<<< SEARCH\n=======\n${body.trimEnd()}\n>>>>>>> REPLACE\n`;
const edit = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

const jsBug = 'exports.total = (items) => items.reduce((sum, item) => sum + item.price, 0);';
const jsFiles = {
  'cart.js': `// The price of a cart: each item's price times its quantity.\n${jsBug}\n`,
  'test/cart.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { total } = require('../cart');\ntest('empty cart', () => assert.equal(total([]), 0));\ntest('one of one item', () => assert.equal(total([{ price: 3, qty: 1 }]), 3));\n",
};
const jsHead = "const { test } = require('node:test');\nconst assert = require('node:assert');\n";
const jsTests = [
  newFile('test/quantity.test.js', `${jsHead}const { total } = require('../cart');\ntest('quantity multiplies the price', () => assert.equal(total([{ price: 2, qty: 3 }]), 6));`),
  newFile('test/import.test.js', `${jsHead}const { total } = require('../carts');\ntest('quantity', () => assert.equal(total([{ price: 2, qty: 3 }]), 6));`),
  newFile('test/empty.test.js', `${jsHead}const { total } = require('../cart');\ntest('an empty cart costs nothing', () => assert.equal(total([]), 0));`),
  newFile('test/buggy.test.js', `${jsHead}const { total } = require('../cart');\ntest('quantity is ignored', () => assert.equal(total([{ price: 2, qty: 3 }]), 2));`),
  newFile('test/throws.test.js', `${jsHead}const { total } = require('../cart');\ntest('quantity, with a typo', () => assert.equal(totl([{ price: 2, qty: 3 }]), 6));`),
];
const jsPatches = [
  edit('cart.js', jsBug, 'exports.total = (items) => items.reduce((sum, item) => sum + item.price * item.qty, 0);'),
  edit('cart.js', jsBug, 'exports.total = (items) => items.reduce((sum, item) => sum + item.price * Math.min(item.qty, 2), 0);'),
  edit('test/cart.test.js', "test('empty cart', () => assert.equal(total([]), 0));", "test('empty cart', () => assert.equal(total([]), 0));\ntest('two of one item', () => assert.equal(total([{ price: 3, qty: 2 }]), 3));"),
  edit('cart.js', jsBug, 'exports.total = (items) => items.reduce((sum, item) => sum + item.price * item.qty, 0);'),
];

function cli(args: string[], input: string) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, ['--import', 'tsx', cliMain, ...args], { encoding: 'utf8', input, env, timeout: 120_000 });
}

function assertDiscards(result: Pick<SolveResult, 'reproTests'>, want: Record<number, string>) {
  const tests = result.reproTests ?? [];
  assert.deepEqual(Object.fromEntries(tests.map((t) => [t.index, t.kept ? 'kept' : t.discard])), want);
}

test('JavaScript (node:test), CLI with --tests-from-samples: the good reproduction is kept, the right patch is verified by it, bad tests are discarded with reasons', () => {
  const repo = makeRepo(jsFiles);
  const dir = mkdtempSync(join(tmpdir(), 'hp-repro-'));
  try {
    const before = userState(repo.dir);
    const lines = (texts: string[]) => texts.map((text) => JSON.stringify({ text })).join('\n') + '\n';
    writeFileSync(join(dir, 'patches.jsonl'), lines(jsPatches));
    writeFileSync(join(dir, 'tests.jsonl'), lines(jsTests));
    const out = join(dir, 'out.json');
    const r = cli(['solve', '--repo', repo.dir, '--issue', '-', '--from-samples', join(dir, 'patches.jsonl'), '--tests-from-samples', join(dir, 'tests.jsonl'),
      '--test', 'node --test --test-reporter=tap', '--json', out, '--parallel', '2', '--sandbox', 'off', '--yes-run-unsandboxed'], 'total() ignores the quantity: 3 items at 2 cost 2, not 6');
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const json = JSON.parse(readFileSync(out, 'utf8')) as SolveResult;
    // Test samples are numbered after the four patches.
    assertDiscards(json, { 4: 'kept', 5: 'load-error', 6: 'passes', 7: 'passes', 8: 'not-assertion' });
    const kept = json.reproTests!.find((t) => t.kept)!;
    assert.equal(kept.path, 'test/hydrapatch_repro5_quantity.test.js');
    assert.deepEqual(kept.failing, ['quantity multiplies the price']);
    assert.match(json.reproTests!.find((t) => t.index === 5)!.reason!, /Cannot find module '\.\.\/carts'/);
    assert.match(json.reproTests!.find((t) => t.index === 8)!.reason!, /totl is not defined/);
    assert.deepEqual(json.candidates.map((c) => c.verdict), ['verified', 'no-fix', 'no-fix', 'verified']);
    // Sample 2 only edits the user's tests: those edits are not applied, so nothing of it is tested.
    assert.deepEqual(json.candidates.map((c) => c.repro?.passed), [[4], [], undefined, [4]]);
    assert.deepEqual(json.candidates[2].editsTests, ['test/cart.test.js']);
    assert.equal(json.candidates[0].evidence, 'reproduction-tests');
    // The two right patches agree: one test passed × two samples.
    assert.deepEqual([json.groups[0].members, json.groups[0].agreement, json.groups[0].evidence], [[0, 3], 2, 'reproduction-tests']);
    assert.match(json.prediction!.model_patch, /item\.price \* item\.qty/);
    assert.equal(json.coverage.basis, 'reproduction-tests');
    assert.match(r.stdout, /coverage: 2\/4 verified by reproduction tests/);
    assert.match(r.stdout, /^1\s+verified\s+0\s+0\s+1\/1\s+reproduction-tests\s+\d+\s+2: 1,4$/m);
    assert.match(r.stdout, /^kept: sample 5 → test\/hydrapatch_repro5_quantity\.test\.js .* the best patch passes it$/m);
    assert.match(r.stdout, /^discarded: sample 7 \(test\/empty\.test\.js\): passes: /m);
    // The panel gets the same: evidence and agreement per group, the kept test first with its content.
    const run = new RunState(1, repo.dir, jsPatches.length);
    for (const c of json.candidates) run.addCandidate(c);
    run.coverage = json.coverage;
    run.reproTests = json.reproTests!;
    const panel = panelState(run);
    // The panel ranks the candidates itself, with the pipeline's ranking: the same groups as the result.
    // (The JSON adds the user-facing numbers, `candidate` and 1-based `samples`, to core's groups.)
    const coreGroups = (json.groups as (SolveResult['groups'][number] & { candidate?: number; samples?: number[] })[]).map(({ candidate, samples, ...g }) => {
      assert.deepEqual([candidate, samples], [g.rank, g.members.map((i) => i + 1)]);
      return g;
    });
    assert.deepEqual(run.visibleGroups(), coreGroups);
    assert.deepEqual([panel.groups[0].verifiedBy, panel.groups[0].reproPassed, panel.groups[0].agreement], ['reproduction-tests', [4], 2]);
    assert.deepEqual(panel.reproTests!.map((t) => [t.index, t.kept, t.discard]), [[4, true, undefined], [5, false, 'load-error'], [6, false, 'passes'], [7, false, 'passes'], [8, false, 'not-assertion']]);
    assert.equal(panel.reproTests![0].content, kept.content);
    assert.equal(panel.coverage?.basis, 'reproduction-tests');
    // Nothing of the run is left in the user's repository, and no reproduction test was written there.
    assert.deepEqual(userState(repo.dir), before);
    assert.equal(existsSync(join(repo.dir, kept.path)), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    repo.cleanup();
  }
});

const pyBug = '    return sum(item["price"] for item in items)';
const pyFiles = {
  'conftest.py': '',
  'cart.py': `def total(items):\n    """The price of a cart: each item's price times its quantity."""\n${pyBug}\n`,
  'tests/test_cart.py': 'from cart import total\n\n\ndef test_empty():\n    assert total([]) == 0\n\n\ndef test_one():\n    assert total([{"price": 3, "qty": 1}]) == 3\n',
};
const pyTests = [
  newFile('tests/test_quantity.py', 'from cart import total\n\n\ndef test_quantity_multiplies():\n    assert total([{"price": 2, "qty": 3}]) == 6\n'),
  newFile('tests/test_import.py', 'from cart import totals\n\n\ndef test_quantity():\n    assert totals([{"price": 2, "qty": 3}]) == 6\n'),
  newFile('tests/test_empty.py', 'from cart import total\n\n\ndef test_empty_again():\n    assert total([]) == 0\n'),
  newFile('tests/test_buggy.py', 'from cart import total\n\n\ndef test_quantity_ignored():\n    assert total([{"price": 2, "qty": 3}]) == 2\n'),
];
const pyPatches = [
  edit('cart.py', pyBug, '    return sum(item["price"] * item["qty"] for item in items)'),
  edit('cart.py', pyBug, '    return sum(item["price"] * min(item["qty"], 2) for item in items)'),
  edit('tests/test_cart.py', 'def test_one():', 'def test_two():\n    assert total([{"price": 3, "qty": 2}]) == 3\n\n\ndef test_one():'),
];

test('Python (pytest), solve(): collection errors and passing tests are discarded; only the right patch is verified by reproduction', async () => {
  const repo = makeRepo(pyFiles);
  try {
    const source = withTestSamples(new FromSamplesSource(pyPatches), pyTests);
    const result = await solve({
      repoDir: repo.dir, issueText: 'total() ignores the quantity', n: pyPatches.length, testCommand: 'python3 -m pytest -rA -p no:cacheprovider',
      source, sampleParams: defaultSampleParams, parallelTests: 2, testTimeoutMs: 60_000, outputCapBytes: 1 << 20,
      sandbox: 'off', allowUnsandboxed: async () => true, contextBudgetTokens: 2000, reproTests: { n: pyTests.length },
    }, {}, new AbortController().signal);
    assertDiscards(result, { 3: 'kept', 4: 'load-error', 5: 'passes', 6: 'passes' });
    assert.deepEqual(result.reproTests!.find((t) => t.kept)!.failing, ['tests/test_hydrapatch_repro4_quantity.py::test_quantity_multiplies']);
    assert.match(result.reproTests!.find((t) => t.index === 4)!.reason!, /ImportError: cannot import name 'totals'/);
    assert.deepEqual(result.candidates.map((c) => c.verdict), ['verified', 'no-fix', 'no-fix']);
    // Sample 2 only edits the user's tests: those edits are not applied, so nothing of it is tested.
    assert.deepEqual(result.candidates.map((c) => c.repro?.passed), [[3], [], undefined]);
    assert.equal(result.groups[0].representative, 0);
    assert.match(result.coverage.line, /coverage: 1\/3 verified by reproduction tests/);
  } finally {
    repo.cleanup();
  }
});
