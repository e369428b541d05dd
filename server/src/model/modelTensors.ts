// The tensors a config implies, with their canonical shapes ([rows, cols] = [out, in]), and the check
// that a loaded set has exactly those: both loaders end here, so both formats fail the same way.
import type { ModelConfig, Tensor } from './types';
import { checkConfigBounds, checkFiniteWeights } from './modelBounds';
import { modelError } from './modelError';
import { HydrapatchError } from '../../../src/protocol/errors';

export function expectedTensorShapes(c: ModelConfig): Map<string, number[]> {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const m = new Map<string, number[]>();
  m.set('token_embd.weight', [c.vocabSize, c.hiddenSize]);
  if (c.ropeFreqs) m.set('rope_freqs.weight', [c.headDim / 2]);
  for (let i = 0; i < c.numLayers; i++) {
    const b = `blk.${i}.`;
    m.set(`${b}attn_norm.weight`, [c.hiddenSize]);
    m.set(`${b}attn_q.weight`, [q, c.hiddenSize]);
    m.set(`${b}attn_k.weight`, [kv, c.hiddenSize]);
    m.set(`${b}attn_v.weight`, [kv, c.hiddenSize]);
    m.set(`${b}attn_output.weight`, [c.hiddenSize, q]);
    if (c.qkvBias) {
      m.set(`${b}attn_q.bias`, [q]);
      m.set(`${b}attn_k.bias`, [kv]);
      m.set(`${b}attn_v.bias`, [kv]);
    }
    if (c.qkNorm) {
      m.set(`${b}attn_q_norm.weight`, [c.headDim]);
      m.set(`${b}attn_k_norm.weight`, [c.headDim]);
    }
    m.set(`${b}ffn_norm.weight`, [c.hiddenSize]);
    m.set(`${b}ffn_gate.weight`, [c.intermediateSize, c.hiddenSize]);
    m.set(`${b}ffn_up.weight`, [c.intermediateSize, c.hiddenSize]);
    m.set(`${b}ffn_down.weight`, [c.hiddenSize, c.intermediateSize]);
  }
  m.set('output_norm.weight', [c.hiddenSize]);
  if (!c.tiedEmbeddings) m.set('output.weight', [c.vocabSize, c.hiddenSize]);
  return m;
}

/** Checks the config's own consistency before any tensor is read. */
export function checkConfig(c: ModelConfig, file: string): void {
  checkConfigBounds(c, file);
  const positive: (keyof ModelConfig)[] = ['vocabSize', 'hiddenSize', 'intermediateSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'contextLength'];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw modelError('model_bad_config', file, `${k} is ${String(v)}, expected a positive integer`);
  }
  if (c.numHeads % c.numKvHeads !== 0) {
    throw modelError('model_bad_config', file, `${c.numHeads} attention heads are not a multiple of ${c.numKvHeads} key/value heads`);
  }
  if (c.headDim % 2 !== 0) throw modelError('model_bad_config', file, `head dimension ${c.headDim} is odd; RoPE needs pairs`);
  if (!(c.ropeTheta > 0) || !(c.rmsNormEps > 0)) {
    throw modelError('model_bad_config', file, `rope theta ${c.ropeTheta} and RMS norm epsilon ${c.rmsNormEps} must be positive`);
  }
}

/** Each tensor the config implies is present with its shape (from a header or loaded tensors). */
export function checkTensorShapes(c: ModelConfig, shapes: Map<string, number[]>, file: string): void {
  const expected = expectedTensorShapes(c);
  for (const [name, shape] of expected) {
    const t = shapes.get(name);
    if (!t) throw modelError('model_missing_tensor', file, `tensor ${name} is missing`);
    if (name === 'token_embd.weight' && t.length === 2 && t[1] === shape[1] && t[0] !== shape[0]) {
      throw modelError('model_vocab_mismatch', file, `the vocabulary has ${c.vocabSize} tokens but the embedding table has ${t[0]} rows`);
    }
    if (t.length !== shape.length || t.some((d, i) => d !== shape[i])) {
      throw modelError('model_bad_shape', file, `tensor ${name} has shape [${t.join(', ')}], expected [${shape.join(', ')}]`);
    }
  }
}

export function checkTensors(c: ModelConfig, tensors: Map<string, Tensor>, file: string): void {
  checkTensorShapes(c, new Map([...tensors].map(([name, t]) => [name, t.shape])), file);
  checkFiniteWeights(tensors, file);
  const freqs = tensors.get('rope_freqs.weight');
  if (c.ropeFreqs && freqs) checkRopeFreqs(freqs, file);
}

/** RoPE factors divide angles: each must be a positive finite f32. */
function checkRopeFreqs(t: Tensor, file: string): void {
  if (t.type !== 'f32') throw modelError('model_bad_config', file, `rope_freqs.weight is ${t.type.toUpperCase()}, expected F32`);
  const v = new Float32Array(t.data.slice().buffer);
  const bad = v.findIndex((x) => !(x > 0 && Number.isFinite(x)));
  if (bad >= 0) throw modelError('model_bad_config', file, `rope_freqs.weight[${bad}] is ${v[bad]}, expected a positive factor`);
}

/** What the GPU engine's kernels can run, beyond a consistent config. */
export function checkRunnable(c: ModelConfig, path: string): void {
  const bad = (what: string) => new HydrapatchError('unsupported_model', `${path}: ${what}`, 'The engine runs llama/qwen2/qwen3 models with head_dim a multiple of 16 up to 256.');
  if (c.headDim % 16 !== 0 || c.headDim > 256 || c.headDim <= 0) throw bad(`head_dim ${c.headDim} is not a multiple of 16 in 16..256`);
  if (c.numKvHeads <= 0 || c.numHeads % c.numKvHeads !== 0) throw bad(`${c.numHeads} heads are not a multiple of ${c.numKvHeads} kv heads`);
  if (c.hiddenSize % 4 !== 0) throw bad(`hidden size ${c.hiddenSize} is not a multiple of 4`);
}
