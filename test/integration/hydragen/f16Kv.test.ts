// The F16 KV cache: the engine's attention step (TreeAttention, a prompt node prefilled in chunks, then
// one-row steps) against the plain-TS reference forward with keys and values rounded to f16 as they
// enter its cache, F32 weights; and the same reference without that rounding is measurably off, so
// the comparison can tell an f16 pool from an f32 one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testModel } from '../../helpers/models';
import { loadModel } from '../../../server/src/model/load';
import { ModelRunner } from '../../../server/src/model/runner';
import { cpuForward, logSoftmax } from '../../helpers/reference/cpuForward';
import { compileTreeAttention, TreeAttention } from '../../../server/src/gpu/attention/treeStep';
import type { KvType } from '../../../server/src/gpu/attention/kvFormat';
import { planPrefill, type SplitPolicy } from '../../../server/src/sampling/attentionPlan';
import { maxAbsDiff, randomTokens } from '../engine/engineHelpers';

async function treeLogits(path: string, tokens: number[], chunks: number[], kvType: KvType): Promise<Float64Array[]> {
  const model = await loadModel(path);
  const runner = await ModelRunner.create(model);
  const c = model.config;
  const shape = { numLayers: c.numLayers, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim };
  const attention = new TreeAttention(runner.gpu.device, shape, await compileTreeAttention(runner.gpu.device, shape, kvType), tokens.length);
  const policy: SplitPolicy = { targetWorkgroups: 16, numKvHeads: c.numKvHeads, group: c.numHeads / c.numKvHeads, headDim: c.headDim };
  const nodes = [{ start: 0, length: tokens.length, parent: -1 }];
  const out: Float64Array[] = [];
  try {
    let at = 0;
    for (const count of chunks) {
      attention.setPlan(planPrefill(nodes, 0, at, count, policy));
      const batch = tokens.slice(at, at + count);
      const logits = await runner.forward({ tokens: Int32Array.from(batch), positions: Int32Array.from(batch, (_, i) => at + i) }, attention, batch.map((_, i) => i));
      for (let i = 0; i < count; i++) out.push(logSoftmax(logits.subarray(i * c.vocabSize, (i + 1) * c.vocabSize)));
      at += count;
    }
  } finally {
    attention.destroy();
    runner.destroy();
  }
  return out;
}

for (const shape of [{ arch: 'llama' as const }]) {
  test(`F16 KV: the engine's attention equals the reference with f16-rounded K/V, ${JSON.stringify(shape)}`, async () => {
    const m = testModel(shape);
    const tokens = randomTokens(64, m.spec.vocabSize, 5);
    const chunks = [40, 8, ...Array.from({ length: 16 }, () => 1)];
    const model = await loadModel(m.gguf);
    const ours = await treeLogits(m.gguf, tokens, chunks, 'f16');
    const rounded = cpuForward(model, tokens, { kvF16: true }).map(logSoftmax);
    const exact = cpuForward(model, tokens).map(logSoftmax);
    const diff = maxAbsDiff(ours, rounded);
    const roundingEffect = maxAbsDiff(exact, rounded);
    assert.ok(diff <= 1e-4, `max |Δ log-softmax| vs the f16-KV reference = ${diff}`);
    assert.ok(roundingEffect > 10 * diff && roundingEffect > 1e-4, `f16 rounding moves the reference by only ${roundingEffect} (ours: ${diff}): the test cannot tell f16 from f32`);
    // The F32 pool (the fallback) still equals the unrounded reference.
    const f32 = maxAbsDiff(await treeLogits(m.gguf, tokens, chunks, 'f32'), exact);
    assert.ok(f32 <= 1e-4, `F32 KV: max |Δ log-softmax| = ${f32}`);
  });
}
