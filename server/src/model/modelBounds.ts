// Sane bounds on what a model file claims, checked before anything is sized from it: a header that
// says 1e9 layers or a 2^50-token context is refused in microseconds instead of allocating gigabytes.
// The limits sit far above every published model (the largest have ~128 layers, hidden 16k-25k,
// vocabularies of ~260k and contexts of 10M tokens) and far below what would exhaust a machine.
import { modelError } from './modelError';
import type { ModelConfig, Tensor } from './types';

export const modelLimits = {
  numLayers: 1024,
  hiddenSize: 1 << 17,
  intermediateSize: 1 << 19,
  numHeads: 1024,
  numKvHeads: 1024,
  headDim: 1024,
  vocabSize: 1 << 22,
  contextLength: 1 << 24,
} as const;

/** GGUF metadata: arrays nest at most this deep (real files use 1), keys and names are at most this long. */
export const ggufLimits = { arrayDepth: 4, keyBytes: 65_535, nameBytes: 1024 } as const;

export function checkConfigBounds(c: ModelConfig, file: string): void {
  for (const [key, max] of Object.entries(modelLimits) as [keyof typeof modelLimits, number][]) {
    const v = c[key];
    if (typeof v === 'number' && v > max) {
      throw modelError('model_bad_config', file, `${key} is ${v}, above the limit of ${max} this server accepts`, 'The header is damaged or not a model this server can run: convert the model again, or fix config.json.');
    }
  }
}

/** Index of the first NaN or infinity among the tensor's values (block scales for Q8_0), or -1. */
function firstNonFinite(t: Tensor): number {
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.type === 'f32') {
    for (let i = 0; i + 4 <= t.data.byteLength; i += 4) if (!Number.isFinite(view.getFloat32(i, true))) return i / 4;
    return -1;
  }
  // F16 (and each Q8_0 block's F16 scale): exponent bits all set is NaN or infinity.
  const stride = t.type === 'f16' ? 2 : 34;
  for (let i = 0; i + 2 <= t.data.byteLength; i += stride) {
    if ((view.getUint16(i, true) & 0x7c00) === 0x7c00) return t.type === 'f16' ? i / 2 : (i / 34) * 32;
  }
  return -1;
}

/**
 * The embedding table, the output head and every norm must hold finite numbers: one NaN there turns
 * every sample into garbage (a NaN row serves "\u0000…"). These are a small part of a model's bytes,
 * so the check is cheap; other tensor types (future K-quants) are passed over.
 */
export function checkFiniteWeights(tensors: Map<string, Tensor>, file: string): void {
  for (const t of tensors.values()) {
    if (!(t.name === 'token_embd.weight' || t.name === 'output.weight' || t.name.endsWith('norm.weight'))) continue;
    if (t.type !== 'f32' && t.type !== 'f16' && t.type !== 'q8_0') continue;
    const at = firstNonFinite(t);
    if (at >= 0) {
      const row = t.shape.length === 2 ? ` (row ${Math.floor(at / t.shape[1]!)})` : '';
      throw modelError('model_bad_weights', file, `tensor ${t.name} holds a NaN or infinite value at element ${at}${row}`, 'The weights are damaged (a bad conversion or download): download or convert the model again.');
    }
  }
}
