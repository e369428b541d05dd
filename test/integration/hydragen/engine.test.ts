// The sampling engine end to end on a generated model: the Hydragen and baseline paths give the same
// greedy tokens for 256 steps on 1- and 2-level prompt trees; seeded sampling is batch-invariant;
// KV bytes are the shared nodes once plus the suffixes; waves respect the budget; cancel frees memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testModel } from '../../helpers/models';
import type { AttentionMode } from '../../../server/src/sampling/decodeStep';
import { SamplingEngine, type EngineOptions } from '../../../server/src/sampling/engine';
import { SUFFIX_PAGE } from '../../../server/src/sampling/kvPages';
import { defaultSampleParams, type SampleParams, type SampleResult } from '../../../src/protocol/sampling';
import type { PromptTree } from '../../../src/protocol/promptTree';
import { HydrapatchError } from '../../../src/protocol/errors';

const model = testModel({ contextLength: 1024, seed: 3 });
const never = new AbortController().signal;
const ids = (n: number, salt: number) => Array.from({ length: n }, (_, i) => (i * 37 + salt * 11) % 500);

async function draw(engine: SamplingEngine, tree: PromptTree, params: SampleParams, signal = never) {
  const results: SampleResult[] = [];
  const totals = await engine.sample(tree, params, { onSample: (r) => results.push(r) }, signal);
  results.sort((a, b) => a.index - b.index);
  return { results, totals };
}

const engines = new Map<string, Promise<SamplingEngine>>();
function engine(attention: AttentionMode, options: EngineOptions = {}): Promise<SamplingEngine> {
  const key = JSON.stringify({ attention, ...options });
  if (!engines.has(key)) engines.set(key, SamplingEngine.load(model.gguf, { attention, ...options }));
  return engines.get(key)!;
}

const oneLevel: PromptTree = { bos: false, root: { tokens: ids(120, 1), children: [{ tokens: ids(3, 2), n: 2 }, { tokens: ids(5, 3), n: 2 }] } };
const twoLevel: PromptTree = {
  bos: false,
  root: {
    tokens: ids(90, 5),
    children: [
      { tokens: ids(20, 6), children: [{ tokens: ids(2, 7), n: 1 }, { tokens: ids(4, 8), n: 2 }] },
      { tokens: ids(30, 9), children: [{ tokens: ids(1, 10), n: 1 }] },
    ],
  },
};

for (const [name, tree] of [['1-level', oneLevel], ['2-level', twoLevel]] as const) {
  test(`greedy decoding gives the same tokens on the Hydragen and baseline paths for 256 steps (${name} tree)`, async () => {
    const params = { ...defaultSampleParams, temperature: 0, maxTokens: 256 };
    const h = await draw(await engine('hydragen'), tree, params);
    const b = await draw(await engine('baseline'), tree, params);
    assert.equal(h.totals.attention, 'hydragen');
    assert.equal(b.totals.attention, 'baseline');
    assert.ok(h.results.some((r) => r.tokenCount === 256), 'at least one sample runs the full 256 steps');
    assert.equal(h.results.length, b.results.length);
    h.results.forEach((r, i) => {
      const o = b.results[i];
      assert.deepEqual([r.index, r.leaf, r.text, r.tokenCount, r.finishReason], [o.index, o.leaf, o.text, o.tokenCount, o.finishReason]);
      assert.ok(Math.abs(r.logprob - o.logprob) < 1e-3, `sample ${i}: logprob ${r.logprob} vs ${o.logprob}`);
    });
  });
}

test('seeded sampling: sample i is the same for batch sizes 64, 8 and 1', async () => {
  const params = { ...defaultSampleParams, temperature: 1, topP: 0.95, maxTokens: 10, seed: 1234 };
  const tree = (n: number): PromptTree => ({ bos: false, root: { tokens: ids(40, 10), n } });
  const big = await draw(await engine('auto', { maxBatch: 64 }), tree(64), params);
  const eight = await draw(await engine('auto', { maxBatch: 8 }), tree(64), params);
  const one = await draw(await engine('auto', { maxBatch: 1 }), tree(4), params);
  assert.equal(new Set(big.results.map((r) => r.text)).size > 8, true, 'different samples differ');
  assert.deepEqual(eight.results.map((r) => [r.text, r.tokenCount]), big.results.map((r) => [r.text, r.tokenCount]));
  assert.deepEqual(one.results.map((r) => [r.text, r.tokenCount]), big.results.slice(0, 4).map((r) => [r.text, r.tokenCount]));
});

test('KV bytes: each prompt node once plus one suffix per sequence; waves stay within the budget', async () => {
  const e = await engine('hydragen');
  const perToken = e.stats().kvBytesPerToken;
  const params = { ...defaultSampleParams, temperature: 0.7, maxTokens: 16, stop: [] };
  const promptTokens = 90 + 20 + 2 + 4 + 30 + 1;
  // After the first decode step: the job holds its nodes once and one suffix per running sequence.
  const seen: { inUse: number; job: number; active: number }[] = [];
  const results: SampleResult[] = [];
  const totals = await e.sample(twoLevel, params, {
    onSample: (r) => results.push(r),
    onProgress: () => {
      const s = e.stats();
      seen.push({ inUse: s.kvBytesInUse, job: s.jobs[0].kvBytes, active: s.jobs[0].activeSequences });
    },
  }, never);
  assert.ok(seen.length > 0 && seen[0].active > 0);
  for (const s of seen) {
    assert.equal(s.job, (promptTokens + s.active * 15) * perToken);
    assert.equal(s.inUse, s.job);
  }
  assert.equal(totals.promptTokens, promptTokens);
  assert.ok(totals.kvBytesPeak >= seen[0].job && totals.kvBytesPeak <= (promptTokens + 4 * 15) * perToken);
  assert.equal(results.length, 4);
  assert.equal(e.stats().kvBytesInUse, 0);

  // Room for the prompt and 3 suffixes: 10 samples run in waves.
  const budget = (promptTokens + 3 * 15) * perToken;
  const small = await SamplingEngine.load(model.gguf, { attention: 'hydragen', kvBudgetBytes: budget });
  try {
    const [a, b] = twoLevel.root.children!;
    const tree: PromptTree = { ...twoLevel, root: { ...twoLevel.root, children: [{ ...a, children: [{ ...a.children![0], n: 6 }, { ...a.children![1], n: 4 }] }, { ...b, children: [{ ...b.children![0], n: 0 }] }] } };
    let maxInUse = 0;
    const out = await small.sample(tree, params, { onSample: () => (maxInUse = Math.max(maxInUse, small.stats().kvBytesInUse)) }, never);
    assert.equal(out.samples, 10);
    assert.ok(out.kvBytesPeak <= budget, `peak ${out.kvBytesPeak} over budget ${budget}`);
    assert.ok(maxInUse <= budget);
    assert.equal(small.stats().kvBytesInUse, 0);
  } finally {
    await small.close();
  }
});

test('near the end of the context a sequence reserves only the KV it can use', async () => {
  // 1019 prompt tokens in a 1024 context: a sequence can generate 5 tokens and needs KV for 4 of them,
  // whatever max_tokens says. A budget of the prompt plus 4 such suffixes must run all 4 samples at once.
  const probe = await engine('hydragen');
  const perToken = probe.stats().kvBytesPerToken;
  const prompt = ids(1019, 5);
  const budget = (prompt.length + 4 * 4) * perToken;
  const e = await SamplingEngine.load(model.gguf, { attention: 'hydragen', kvBudgetBytes: budget });
  try {
    const seen: number[] = [];
    const results: SampleResult[] = [];
    const params = { ...defaultSampleParams, temperature: 0.9, maxTokens: 400, stop: [] };
    const out = await e.sample({ bos: false, root: { tokens: prompt, n: 4 } }, params, {
      onSample: (r) => results.push(r),
      onStep: () => seen.push(e.stats().jobs[0]?.activeSequences ?? 0),
    }, never);
    assert.equal(results.length, 4);
    for (const r of results) {
      assert.ok(r.tokenCount <= 5, `sample ${r.index}: ${r.tokenCount} tokens past the context`);
      if (r.tokenCount === 5) assert.equal(r.finishReason, 'length');
    }
    assert.ok(Math.max(...seen) === 4, `at most ${Math.max(...seen)} sequences ran at once`);
    assert.ok(out.kvBytesPeak <= budget);
    assert.equal(e.stats().kvBytesInUse, 0);
  } finally {
    await e.close();
  }
});

test('suffix KV grows in pages; a sequence set back for want of KV is drawn again identically', async () => {
  // max_tokens 150 would reserve 149 slots per sequence up front; the budget holds the prompt and 232
  // suffix slots, so with pages 3 sequences start at once, the newest are set back when the second
  // page does not fit, and every sample must still equal the same sample drawn with room to spare.
  const prompt = ids(40, 9);
  const params = { ...defaultSampleParams, temperature: 0.9, maxTokens: 150, seed: 77, stop: [] };
  const tree = { bos: false, root: { tokens: prompt, n: 6 } };
  const roomy = await engine('hydragen');
  const perToken = roomy.stats().kvBytesPerToken;
  const want: SampleResult[] = [];
  const roomyTotals = await roomy.sample(tree, params, { onSample: (r) => want.push(r) }, never);
  assert.ok(want.some((r) => r.tokenCount > SUFFIX_PAGE + 1), 'no sample needed a second page: the test proves nothing');
  const budget = (prompt.length + 3 * SUFFIX_PAGE + 40) * perToken;
  const tight = await SamplingEngine.load(model.gguf, { attention: 'hydragen', kvBudgetBytes: budget });
  try {
    const got: SampleResult[] = [];
    let maxActive = 0;
    const out = await tight.sample(tree, params, {
      onSample: (r) => got.push(r),
      onStep: () => (maxActive = Math.max(maxActive, tight.stats().jobs[0]?.activeSequences ?? 0)),
    }, never);
    assert.equal(maxActive, 3);
    assert.ok(out.kvBytesPeak <= budget, `peak ${out.kvBytesPeak} over budget ${budget}`);
    const byIndex = (rs: SampleResult[]) => [...rs].sort((a, b) => a.index - b.index).map((r) => [r.index, r.text, r.tokenCount, r.finishReason]);
    assert.deepEqual(byIndex(got), byIndex(want));
    // Tokens of set-back draws are not counted twice.
    assert.equal(out.generatedTokens, roomyTotals.generatedTokens);
    assert.equal(tight.stats().kvBytesInUse, 0);
  } finally {
    await tight.close();
  }
});

test('a job that can never fit the KV budget is refused before its prefill, with the numbers; one that just fits runs', async () => {
  const perToken = (await engine('hydragen')).stats().kvBytesPerToken;
  const prompt = ids(100, 4);
  const params = { ...defaultSampleParams, temperature: 0, maxTokens: 20, stop: [] };
  const tree: PromptTree = { bos: false, root: { tokens: prompt, n: 3 } };
  // The prompt plus one sample's KV (every generated token but the last): 100 + 19 tokens.
  const fits = await SamplingEngine.load(model.gguf, { attention: 'hydragen', kvBudgetBytes: 119 * perToken });
  const short = await SamplingEngine.load(model.gguf, { attention: 'hydragen', kvBudgetBytes: 118 * perToken });
  try {
    assert.throws(() => short.sample(tree, params, { onSample: () => {} }, never), (err: unknown) => {
      assert.ok(err instanceof HydrapatchError && err.code === 'kv_budget', String(err));
      assert.match(err.message, new RegExp(`needs 119 tokens .*prompt tree 100 \\+ longest sample 19.* ${perToken} bytes per token.*holds 118 tokens`));
      assert.match(err.hint ?? '', /at least \d+ MiB.*by 1 tokens.*max_tokens/);
      return true;
    });
    assert.equal(short.stats().jobs.length, 0, 'the refused job was queued');
    const out = await fits.sample(tree, params, { onSample: () => {} }, never);
    assert.equal(out.samples, 3);
    assert.ok(out.kvBytesPeak <= 119 * perToken);
  } finally {
    await Promise.all([fits.close(), short.close()]);
  }
});

test('cancel stops the job within a step and frees its memory', async () => {
  const e = await engine('hydragen');
  const ac = new AbortController();
  const params = { ...defaultSampleParams, temperature: 0.8, maxTokens: 400 };
  let progressed = 0;
  const results: SampleResult[] = [];
  const t0 = performance.now();
  const done = e.sample({ bos: false, root: { tokens: ids(50, 12), n: 8 } }, params, {
    onSample: (r) => results.push(r),
    onProgress: () => {
      if (++progressed === 1) ac.abort();
    },
  }, ac.signal);
  const totals = await done;
  assert.ok(performance.now() - t0 < 60_000);
  assert.ok(results.length === 8 && results.every((r) => r.finishReason === 'cancelled' || r.finishReason === 'eos'));
  assert.ok(totals.generatedTokens < 8 * 400);
  assert.equal(e.stats().kvBytesInUse, 0);
  assert.equal(e.stats().jobs.length, 0);
});

test('a job of 1000 samples runs in waves of the batch limit and delivers each sample once', async () => {
  const e = await engine('hydragen', { maxBatch: 128 });
  const { results, totals } = await draw(e, { bos: false, root: { tokens: ids(30, 13), children: [{ tokens: [7], n: 600 }, { tokens: [8], n: 400 }] } }, { ...defaultSampleParams, temperature: 1, maxTokens: 3, seed: 5 });
  assert.equal(totals.samples, 1000);
  assert.deepEqual(results.map((r) => r.index), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual([results[599].leaf, results[600].leaf], [0, 1]);
  assert.ok(results.every((r) => r.finishReason === 'length' || r.finishReason === 'eos'));
  assert.equal(e.stats().kvBytesInUse, 0);
});

test('two jobs at once give what each gives alone', async () => {
  const e = await engine('auto');
  const params = { ...defaultSampleParams, temperature: 0.9, maxTokens: 20, seed: 77 };
  const alone1 = await draw(e, oneLevel, params);
  const alone2 = await draw(e, twoLevel, { ...params, seed: 78 });
  const [both1, both2] = await Promise.all([draw(e, oneLevel, params), draw(e, twoLevel, { ...params, seed: 78 })]);
  const key = (r: SampleResult) => [r.index, r.text, r.tokenCount, r.finishReason];
  assert.deepEqual(both1.results.map(key), alone1.results.map(key));
  assert.deepEqual(both2.results.map(key), alone2.results.map(key));
  assert.equal(e.stats().kvBytesInUse, 0);
});

test('bad trees and parameters are refused with a hint', async () => {
  const e = await engine('hydragen');
  const cases: [PromptTree, SampleParams][] = [
    [{ root: { tokens: [1, 2] } }, defaultSampleParams],
    [{ root: { tokens: [1, 99999], n: 1 } }, defaultSampleParams],
    [{ root: { tokens: [1], n: 1001 } }, defaultSampleParams],
    [{ root: { tokens: [1], n: 1 } }, { ...defaultSampleParams, topP: 2 }],
  ];
  for (const [tree, params] of cases) {
    assert.throws(() => void e.sample(tree, params, { onSample: () => {} }, never), (err: unknown) => err instanceof HydrapatchError && !!err.hint);
  }
});

test('close', async () => {
  for (const p of engines.values()) await (await p).close();
});
