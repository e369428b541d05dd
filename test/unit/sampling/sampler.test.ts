// Token choice against a naive reference: the distribution each filter combination should sample
// from is computed here by sorting the whole vocabulary, and the sampler's empirical frequencies over
// many seeded draws must match it; greedy and log-probabilities are checked exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickToken, sampleUniform, validateSampleParams } from '../../../server/src/sampling/sampler';
import { defaultSampleParams, type SampleParams } from '../../../src/protocol/sampling';
import { HydrapatchError } from '../../../src/protocol/errors';

const V = 60;
const logits = Float32Array.from({ length: V }, (_, i) => Math.sin(i * 12.9898) * 4 + (i % 7) * 0.3);

function referenceDistribution(p: SampleParams): number[] {
  const ids = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const max = logits[ids[0]];
  const z = ids.reduce((s, i) => s + Math.exp((logits[i] - max) / p.temperature), 0);
  let kept = ids.map((i) => ({ i, p: Math.exp((logits[i] - max) / p.temperature) / z }));
  if (p.topK > 0) kept = kept.slice(0, p.topK);
  kept = kept.filter((c) => c.p >= p.minP * kept[0].p);
  const total = kept.reduce((s, c) => s + c.p, 0);
  if (p.topP < 1) {
    const out = [];
    let acc = 0;
    for (const c of kept) {
      if (acc >= p.topP * total) break;
      out.push(c);
      acc += c.p;
    }
    kept = out;
  }
  const mass = kept.reduce((s, c) => s + c.p, 0);
  const dist = new Array<number>(V).fill(0);
  for (const c of kept) dist[c.i] = c.p / mass;
  return dist;
}

test('greedy picks the argmax and reports its log-softmax under the raw logits', () => {
  const p = { ...defaultSampleParams, temperature: 0 };
  const { token, logprob } = pickToken(logits, p, 0.5);
  const best = logits.indexOf(Math.max(...logits));
  assert.equal(token, best);
  const lse = Math.log(Array.from(logits).reduce((s, x) => s + Math.exp(x), 0));
  assert.ok(Math.abs(logprob - (logits[best] - lse)) < 1e-9);
  assert.equal(pickToken(logits, { ...p, temperature: 0.9, topK: 1 }, 0.999).token, best);
});

for (const [name, over] of [
  ['temperature only', { temperature: 0.7, topP: 1 }],
  ['top-k 5', { temperature: 1.3, topK: 5, topP: 1 }],
  ['top-p 0.8', { temperature: 1, topP: 0.8 }],
  ['min-p 0.1', { temperature: 1.5, minP: 0.1, topP: 1 }],
  ['top-k 12 + min-p 0.05 + top-p 0.9', { temperature: 0.9, topK: 12, minP: 0.05, topP: 0.9 }],
] as const) {
  test(`sampling frequencies match the reference distribution: ${name}`, () => {
    const p: SampleParams = { ...defaultSampleParams, ...over };
    const want = referenceDistribution(p);
    const draws = 20000;
    const count = new Array<number>(V).fill(0);
    for (let step = 0; step < draws; step++) {
      const { token, logprob } = pickToken(logits, p, sampleUniform(7, 3, step));
      assert.ok(want[token] > 0, `token ${token} is outside the kept set`);
      count[token]++;
      if (step === 0) assert.ok(logprob < 0);
    }
    const worst = Math.max(...count.map((c, i) => Math.abs(c / draws - want[i])));
    assert.ok(worst < 0.015, `max frequency error ${worst}`);
  });
}

test('the random stream depends on (seed, sample, step) alone and is uniform', () => {
  assert.equal(sampleUniform(1, 2, 3), sampleUniform(1, 2, 3));
  const seen = new Set([sampleUniform(1, 2, 3), sampleUniform(1, 3, 2), sampleUniform(2, 2, 3), sampleUniform(1, 2, 4)]);
  assert.equal(seen.size, 4);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 50000; i++) {
    const u = sampleUniform(42, i % 100, Math.floor(i / 100));
    assert.ok(u >= 0 && u < 1);
    buckets[Math.floor(u * 10)]++;
  }
  for (const b of buckets) assert.ok(Math.abs(b - 5000) < 300, `bucket ${b}`);
});

test('invalid parameters are refused with a hint', () => {
  for (const bad of [{ temperature: -1 }, { topP: 0 }, { topK: 1.5 }, { minP: 1 }, { maxTokens: 0 }, { stop: [''] }]) {
    assert.throws(() => validateSampleParams({ ...defaultSampleParams, ...bad }), (e: unknown) => e instanceof HydrapatchError && e.code === 'bad_params' && !!e.hint);
  }
  validateSampleParams(defaultSampleParams);
});
