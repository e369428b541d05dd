// Qwen3 (per-head Q/K norms) and Llama 3 RoPE frequency factors: the GPU engine's logits against
// llama.cpp's on generated GGUF files (F32, ≤ 1e-4 over all 64 positions), and each safetensors
// folder (config.json `rope_scaling` of type llama3, Qwen3ForCausalLM) against its GGUF twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { llamaCppLogProbs } from '../../helpers/llamacpp';
import { testModel } from '../../helpers/models';
import type { TestModelSpec } from '../../../scripts/testModels/randomModel';
import { cpuForward, logSoftmax } from '../../helpers/reference/cpuForward';
import { loadModel } from '../../../server/src/model/load';
import { gpuLogits, maxAbsDiff, randomTokens } from './engineHelpers';

const n = 64;
// Factors 1, smoothed and `factor` all occur for headDim 16 and base 10000 with this original context.
const llama3 = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };

const shapes: Partial<TestModelSpec>[] = [
  { arch: 'qwen3' },
  // Qwen3's heads are wider than hidden/heads (key_length given explicitly), embeddings tied.
  { arch: 'qwen3', numHeads: 4, numKvHeads: 2, headDim: 32, hiddenSize: 64, tied: true, vocabSize: 300 },
  { arch: 'llama', ropeScaling: llama3 },
  { arch: 'llama', ropeScaling: llama3, numHeads: 2, numKvHeads: 1, headDim: 64, hiddenSize: 128, intermediateSize: 256, vocab: 'spm', vocabSize: 333 },
];

for (const shape of shapes) {
  test(`GPU and CPU-reference logits equal llama.cpp's: ${JSON.stringify(shape)}`, async () => {
    const m = testModel(shape);
    const tokens = randomTokens(n, m.spec.vocabSize, 7);
    // One extra token: llama.cpp's helper answers a sequence's last position differently (see llamaCppLogits.test.ts).
    const theirs = (await llamaCppLogProbs(m.gguf, [...tokens, 0], m.spec.vocabSize)).slice(0, n);
    const ours = (await gpuLogits(m.gguf, tokens)).map(logSoftmax);
    const gpuDiff = maxAbsDiff(ours, theirs);
    assert.ok(gpuDiff <= 1e-4, `GPU: max |Δ log-softmax| vs llama.cpp = ${gpuDiff}`);
    const cpu = cpuForward(await loadModel(m.gguf), tokens).map(logSoftmax);
    const cpuDiff = maxAbsDiff(cpu, theirs);
    assert.ok(cpuDiff <= 1e-4, `CPU reference: max |Δ log-softmax| vs llama.cpp = ${cpuDiff}`);
  });
}

// The comparisons above have power only if the feature changes the logits of these models.
test('dropping the Q/K norms or the RoPE factors moves the logits far (the comparisons can fail)', async () => {
  for (const [shape, off] of [[shapes[0], { qkNorm: false }], [shapes[2], { ropeFreqs: false }]] as const) {
    const model = await loadModel(testModel(shape).gguf);
    const tokens = randomTokens(32, model.config.vocabSize, 7);
    const right = cpuForward(model, tokens).map(logSoftmax);
    const wrong = cpuForward({ ...model, config: { ...model.config, ...off } }, tokens).map(logSoftmax);
    assert.ok(maxAbsDiff(right, wrong) > 1e-2, `${JSON.stringify(off)} changes the logits by only ${maxAbsDiff(right, wrong)}`);
  }
});

test('a safetensors folder (Qwen3ForCausalLM; llama with rope_scaling llama3) gives the logits of its GGUF twin', async () => {
  for (const shape of [shapes[1], shapes[2]]) {
    const m = testModel({ ...shape, hfShards: 2 });
    const tokens = randomTokens(16, m.spec.vocabSize, 3);
    const diff = maxAbsDiff(await gpuLogits(m.hfDir, tokens), await gpuLogits(m.gguf, tokens));
    assert.equal(diff, 0, `${JSON.stringify(shape)}: safetensors logits differ from GGUF's by ${diff}`);
  }
});
