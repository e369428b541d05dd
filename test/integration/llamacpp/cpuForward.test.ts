import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuForward, logSoftmax } from '../../helpers/reference/cpuForward';
import { loadModel } from '../../../server/src/model/load';
import { llamaCppF16Activations, llamaCppLogProbs, llamaCppSystemInfo } from '../../helpers/llamacpp';
import { testModel } from '../../helpers/models';
import { Prng } from '../../../scripts/testModels/prng';
import type { TestModelSpec } from '../../../scripts/testModels/randomModel';

function randomTokens(n: number, vocab: number, seed: number): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => rng.int(vocab));
}

function maxAbsDiff(a: Float64Array[], b: Float64Array[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let p = 0; p < a.length; p++) {
    assert.equal(a[p].length, b[p].length);
    for (let i = 0; i < a[p].length; i++) m = Math.max(m, Math.abs(a[p][i] - b[p][i]));
  }
  return m;
}

const shapes = [
  { arch: 'llama' as const },
  { arch: 'llama' as const, numHeads: 4, numKvHeads: 4, headDim: 32, hiddenSize: 96, tied: true, vocabSize: 300, vocab: 'spm' as const },
  { arch: 'llama' as const, numHeads: 2, numKvHeads: 1, headDim: 64, hiddenSize: 96, intermediateSize: 64, numLayers: 1 },
  { arch: 'qwen2' as const },
  // llama.cpp's qwen2 needs heads × headDim = hidden size.
  { arch: 'qwen2' as const, numHeads: 4, numKvHeads: 1, headDim: 32, hiddenSize: 128, intermediateSize: 96, numLayers: 3, tied: true, vocabSize: 777 },
];

for (const shape of shapes) {
  test(`F32 logits equal llama.cpp's and the safetensors copy's: ${JSON.stringify(shape)}`, async (t) => {
    const m = testModel({ ...shape, weightType: 'f32' });
    const gguf = await loadModel(m.gguf);
    const tokens = randomTokens(64, gguf.config.vocabSize, 7);
    const ours = cpuForward(gguf, tokens).map(logSoftmax);
    const theirs = await llamaCppLogProbs(m.gguf, tokens, gguf.config.vocabSize);
    const diff = maxAbsDiff(ours, theirs);
    t.diagnostic(`max |Δ log-softmax| vs llama.cpp over 64 positions: ${diff.toExponential(2)}`);
    assert.ok(diff <= 1e-4, `max |Δ log-softmax| vs llama.cpp = ${diff}`);
    const hf = cpuForward(await loadModel(m.hfDir), tokens).map(logSoftmax);
    assert.equal(maxAbsDiff(ours, hf), 0, 'the safetensors folder gives other logits than its GGUF');
  });
}

// llama.cpp quantises activations to Q8_0 before Q8_0 matmuls, and rounds them to f16 before F16
// matmuls — which ones depends on the ggml CPU variant it loaded (cpuForward.ts: its AVX2 kernels
// where the row count is not a multiple of 32, its AVX-512 kernels always), read from its system
// info. With that mimicked the match is as close as for F32 (~1e-6), until an activation sits on a
// rounding boundary and the last-bit difference between two f32/f64 engines rounds it the other
// way: ~1e-4 at that position, and when the flip is in a key or value, ~1e-3 at every later position
// through attention (seen with the AVX-512 kernels: from position 4-10 of 64 on, up to 2e-3). So the
// first LEAD positions are held to 5e-4 and the rest to 5e-3; without the mimicry the lead positions
// are off by the activation rounding itself (1e-3 to 1e-2): proof that the comparison tells them apart.
const LEAD = 4;

interface MimicResult { lead: number; all: number; plainLead: number }

async function mimicDiffs(model: Awaited<ReturnType<typeof loadModel>>, path: string, tokens: number[], chunk?: number): Promise<MimicResult> {
  const theirs = await llamaCppLogProbs(path, tokens, model.config.vocabSize, { chunk });
  const f16Activations = await llamaCppF16Activations();
  const perPosition = (ours: Float64Array[]) => ours.map(logSoftmax).map((row, i) => maxAbsDiff([row], [theirs[i]]));
  const mimicked = perPosition(cpuForward(model, tokens, { mimicLlamaCpp: true, f16Activations }));
  const plain = perPosition(cpuForward(model, tokens));
  return { lead: Math.max(...mimicked.slice(0, LEAD)), all: Math.max(...mimicked), plainLead: Math.max(...plain.slice(0, LEAD)) };
}

function checkMimicked(r: MimicResult, what: string): void {
  assert.ok(r.lead <= 5e-4 && r.all <= 5e-3, `${what}: max |Δ log-softmax| vs llama.cpp ${r.lead} over the first ${LEAD} positions, ${r.all} over all`);
}

const quantised = [
  { arch: 'llama' as const, weightType: 'f16' as const },
  { arch: 'qwen2' as const, weightType: 'f16' as const, vocabSize: 777 },
  { arch: 'qwen2' as const, weightType: 'q8_0' as const },
  { arch: 'llama' as const, weightType: 'q8_0' as const, vocab: 'spm' as const, tied: true },
];

for (const spec of quantised) {
  test(`${spec.weightType} logits equal llama.cpp's with its activation rounding mimicked: ${JSON.stringify(spec)}`, async (t) => {
    const m = testModel(spec);
    const model = await loadModel(m.gguf);
    const r = await mimicDiffs(model, m.gguf, randomTokens(64, model.config.vocabSize, 11));
    t.diagnostic(`${await llamaCppSystemInfo()}\nmax |Δ log-softmax| vs llama.cpp, mimicked: ${r.lead.toExponential(2)} (first ${LEAD} positions), ${r.all.toExponential(2)} (all); f32 activations: ${r.plainLead.toExponential(2)} (first ${LEAD})`);
    checkMimicked(r, JSON.stringify(spec));
    // On the AVX2 kernels an F16 file of vocabulary 512 has no f16-rounded matmul: nothing to tell apart.
    if (spec.weightType === 'q8_0' || spec.vocabSize === 777 || (await llamaCppF16Activations()) === 'all') {
      assert.ok(r.plainLead > Math.max(5e-4, 3 * r.lead), `unexpectedly close without mimicry: ${r.plainLead}`);
    }
  });
}

test('one token per llama.cpp evaluation (its decode path) gives the same logits, F16 and Q8_0 mimicked', async (t) => {
  for (const spec of [{ weightType: 'f16' as const, vocabSize: 777 }, { weightType: 'q8_0' as const, arch: 'qwen2' as const }]) {
    const m = testModel(spec);
    const model = await loadModel(m.gguf);
    const r = await mimicDiffs(model, m.gguf, randomTokens(12, model.config.vocabSize, 5), 1);
    t.diagnostic(`${spec.weightType}: max |Δ log-softmax| vs llama.cpp decode: ${r.lead.toExponential(2)} (first ${LEAD}), ${r.all.toExponential(2)} (all)`);
    checkMimicked(r, JSON.stringify(spec));
  }
});

// K-quants. For a matmul with K-quant weights llama.cpp quantises the activations to Q8_K (256 values,
// an f32 scale) and takes integer dot products; cpuForward mimics it. One K-quant matrix in an
// otherwise F32 model isolates that matmul: the LM head (input: the final norm) and ffn_down (two
// super-blocks per row, input: SwiGLU). Mimicked, llama.cpp's logits are matched to ~2e-6 (the Q8_0
// standard), except at a position where an activation lies on a Q8_K rounding boundary and the last
// bits of two engines' f32/f64 arithmetic round it differently (seen: 1 position in 16 at ~6e-3 for
// ffn_down, none for the head). Without the mimicry every position is off by ~1e-2 or more.
const kBase = { hiddenSize: 256, intermediateSize: 512, numHeads: 4, numKvHeads: 2, headDim: 64, numLayers: 1 };
const isolated: Partial<TestModelSpec>[] = [
  { ...kBase, typeOverrides: { 'output.weight': 'q4_k' as const } },
  { ...kBase, typeOverrides: { 'output.weight': 'q5_k' as const } },
  { ...kBase, typeOverrides: { 'output.weight': 'q6_k' as const } },
  { ...kBase, typeOverrides: { 'blk.0.ffn_down.weight': 'q4_k' as const } },
];

for (const spec of isolated) {
  test(`one K-quant matmul equals llama.cpp's with its Q8_K activations mimicked: ${JSON.stringify(spec.typeOverrides)}`, async (t) => {
    const m = testModel(spec);
    const model = await loadModel(m.gguf);
    const tokens = randomTokens(24, model.config.vocabSize, 13);
    const theirs = await llamaCppLogProbs(m.gguf, tokens, model.config.vocabSize);
    const perPosition = cpuForward(model, tokens, { mimicLlamaCpp: true }).map(logSoftmax).map((row, i) => maxAbsDiff([row], [theirs[i]]));
    const flips = perPosition.filter((d) => d > 1e-5).length;
    const plain = cpuForward(model, tokens).map(logSoftmax).map((row, i) => maxAbsDiff([row], [theirs[i]]));
    t.diagnostic(`mimicked: max ${Math.max(...perPosition).toExponential(2)}, ${flips} of 24 positions above 1e-5; f32 activations: min ${Math.min(...plain).toExponential(2)}`);
    assert.ok(flips <= 2 && Math.max(...perPosition) <= 2e-2, `max |Δ log-softmax| ${Math.max(...perPosition)}, ${flips} positions above 1e-5`);
    assert.ok(Math.min(...plain) > 1e-4, 'f32 activations come as close as the mimicry: the comparison cannot tell them apart');
  });
}

// Whole K-quant files, uniform and mixed like llama.cpp's Q4_K_M/Q5_K_M (Q6_K head, attn_v and
// ffn_down of layer 0; a tied Q6_K embedding). Measured here, mimicked: every position matches to
// ~3e-6 up to the first Q8_K rounding-boundary flip (none in two of these files, position 23 of 32
// in the third), and from it on all positions differ by 4e-2 to 0.13: a flip moves an activation by
// a whole Q8_K step (~1% of the block's largest value), and in a key or value it reaches every later
// position through attention. That is of the order of the activation rounding itself (0.13
// unmimicked), so this test proves less than the isolated one above: every tensor of every type in
// a mixed file loads, and the logits stay within 0.2 of llama.cpp's, where a misread block moves
// them by units (measured: swapping the nibbles, or dropping sub-blocks 4-7's high scale bits, of
// one Q4_K tensor of the Q4_K_M file moves them by 3.4 and 3.2).
const kFiles = [
  { ...kBase, numLayers: 2, weightType: 'q4_k_m' as const },
  { ...kBase, numLayers: 2, weightType: 'q6_k' as const, vocab: 'spm' as const },
  { ...kBase, numLayers: 2, arch: 'qwen2' as const, weightType: 'q5_k_m' as const, tied: true },
];

for (const spec of kFiles) {
  test(`K-quant file logits are llama.cpp's within the activation rounding: ${JSON.stringify(spec)}`, async (t) => {
    const m = testModel(spec);
    const model = await loadModel(m.gguf);
    const tokens = randomTokens(32, model.config.vocabSize, 17);
    const theirs = await llamaCppLogProbs(m.gguf, tokens, model.config.vocabSize);
    const diff = maxAbsDiff(cpuForward(model, tokens, { mimicLlamaCpp: true }).map(logSoftmax), theirs);
    t.diagnostic(`types: ${[...new Set([...model.tensors.values()].map((x) => x.type))].join(', ')}; max |Δ log-softmax| mimicked: ${diff.toExponential(2)}`);
    assert.ok(diff <= 0.2, `max |Δ log-softmax| vs llama.cpp = ${diff}`);
  });
}
