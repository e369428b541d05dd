// A GGUF file (llama, qwen2, qwen3) as a LoadedModel: config from the `<arch>.*` metadata,
// F32/F16/Q8_0/Q4_K/Q5_K/Q6_K tensors as stored (GGUF is already the canonical form), Q4_0/Q5_0 as the
// Q8_0 blocks they equal (legacyQuants.ts), BF16 widened to F32 (exact), tokenizer from the `tokenizer.ggml.*` metadata.
import { type GgufFile, type GgufTensorInfo, type GgufValue, readGguf, readGgufTensorData } from './gguf';
import { GGML_BF16, GGML_F16, GGML_F32, GGML_Q4_0, GGML_Q4_K, GGML_Q5_0, GGML_Q5_K, GGML_Q6_K, GGML_Q8_0, ggmlTypeName } from './ggmlTypes';
import { widenBf16 } from './f16';
import { type LegacyQuantType, legacyAsQ8_0 } from './legacyQuants';
import { ggufTokenizer } from './ggufTokenizer';
import { modelError } from './modelError';
import { checkConfig, checkTensorShapes, checkTensors, expectedTensorShapes } from './modelTensors';
import type { Arch, LoadedModel, ModelConfig, Tensor, Tokenizer } from './types';
import type { WeightType } from '../gpu/gpuWeight';

// Any mix of these per tensor loads (a Q4_K_M file holds Q4_K, Q6_K and F32 tensors).
const weightTypes: Record<number, WeightType> = {
  [GGML_F32]: 'f32',
  [GGML_F16]: 'f16',
  [GGML_Q8_0]: 'q8_0',
  [GGML_Q4_K]: 'q4_k',
  [GGML_Q5_K]: 'q5_k',
  [GGML_Q6_K]: 'q6_k',
  [GGML_Q4_0]: 'q8_0',
  [GGML_Q5_0]: 'q8_0',
  [GGML_BF16]: 'f32',
};

// Stored types loaded as another, rewritten without loss when read (n: the tensor's element count).
const legacy = (type: LegacyQuantType) => (bytes: Uint8Array, n: number) => legacyAsQ8_0(type, bytes, n);
const rewrite: Record<number, (bytes: Uint8Array, n: number) => Uint8Array> = {
  [GGML_Q4_0]: legacy('q4_0'),
  [GGML_Q5_0]: legacy('q5_0'),
  [GGML_BF16]: widenBf16,
};

function num(file: GgufFile, key: string, fallback?: number): number {
  const v = file.metadata.get(key);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number') {
    throw modelError('model_bad_config', file.path, v === undefined ? `metadata key ${key} is missing` : `metadata key ${key} is ${JSON.stringify(v)}, expected a number`);
  }
  return v;
}

function tokenCount(file: GgufFile): number | undefined {
  const tokens: GgufValue | undefined = file.metadata.get('tokenizer.ggml.tokens');
  return Array.isArray(tokens) ? tokens.length : undefined;
}

/**
 * The context the engine can honour. A sliding attention window (Mistral 7B v0.1 carries one) equals
 * full attention over contexts no longer than the window, so the context is capped there.
 */
function contextLength(file: GgufFile, p: string): number {
  const context = num(file, `${p}context_length`);
  const window = num(file, `${p}attention.sliding_window`, 0);
  return window > 0 ? Math.min(context, window) : context;
}

export function ggufConfig(file: GgufFile): ModelConfig {
  const arch = file.metadata.get('general.architecture');
  if (arch !== 'llama' && arch !== 'qwen2' && arch !== 'qwen3') {
    throw modelError('model_unsupported_arch', file.path, `architecture ${JSON.stringify(arch ?? null)} is not supported (supported: llama, qwen2, qwen3)`);
  }
  const p = `${arch}.`;
  const scaling = file.metadata.get(`${p}rope.scaling.type`);
  if (scaling !== undefined && scaling !== 'none') {
    throw modelError('model_bad_config', file.path, `RoPE scaling ${JSON.stringify(scaling)} is not supported yet`, 'Use a model without rope scaling.');
  }
  const hiddenSize = num(file, `${p}embedding_length`);
  const numHeads = num(file, `${p}attention.head_count`);
  const headDim = num(file, `${p}attention.key_length`, Math.floor(hiddenSize / numHeads));
  const ropeDims = num(file, `${p}rope.dimension_count`, headDim);
  if (ropeDims !== headDim) {
    throw modelError('model_bad_config', file.path, `RoPE covers ${ropeDims} of ${headDim} head dimensions; partial RoPE is not supported`);
  }
  const valueLength = num(file, `${p}attention.value_length`, headDim);
  if (valueLength !== headDim) {
    throw modelError('model_bad_config', file.path, `key length ${headDim} differs from value length ${valueLength}; that is not supported`);
  }
  // Mixtral-style files use the llama architecture with expert tensors; the engine has no MoE layer.
  const experts = num(file, `${p}expert_count`, 0);
  if (experts > 0) {
    throw modelError('model_unsupported_arch', file.path, `is a mixture-of-experts model (${experts} experts), which is not supported`, 'Use a dense llama, qwen2 or qwen3 model.');
  }
  const embd = file.tensors.find((t) => t.name === 'token_embd.weight');
  const vocabSize = tokenCount(file) ?? num(file, `${p}vocab_size`, embd?.dims[1] ?? 0);
  const config: ModelConfig = {
    arch: arch as Arch,
    vocabSize,
    hiddenSize,
    intermediateSize: num(file, `${p}feed_forward_length`),
    numLayers: num(file, `${p}block_count`),
    numHeads,
    numKvHeads: num(file, `${p}attention.head_count_kv`, numHeads),
    headDim,
    ropeTheta: num(file, `${p}rope.freq_base`, 10000),
    ropeMode: arch === 'llama' ? 'norm' : 'neox',
    rmsNormEps: num(file, `${p}attention.layer_norm_rms_epsilon`),
    contextLength: contextLength(file, p),
    tiedEmbeddings: !file.tensors.some((t) => t.name === 'output.weight'),
    qkvBias: file.tensors.some((t) => t.name === 'blk.0.attn_q.bias'),
    qkNorm: arch === 'qwen3',
    ropeFreqs: file.tensors.some((t) => t.name === 'rope_freqs.weight'),
  };
  checkConfig(config, file.path);
  return config;
}

/**
 * Every check the loader makes before reading tensor data, from the header alone: config, tensor
 * types and shapes, tokenizer. `hydrapatch-server models` reports loadability with exactly these.
 */
export function checkGgufHeader(file: GgufFile): { config: ModelConfig; infos: GgufTensorInfo[]; tokenizer: Tokenizer } {
  const path = file.path;
  const config = ggufConfig(file);
  const wanted = expectedTensorShapes(config);
  const infos = file.tensors.filter((t) => wanted.has(t.name));
  for (const t of infos) {
    if (weightTypes[t.type] === undefined) {
      throw modelError(
        'model_unsupported_tensor_type',
        path,
        `unsupported tensor type ${ggmlTypeName(t.type)} (tensor ${t.name}); supported: ${Object.keys(weightTypes).map((id) => ggmlTypeName(Number(id))).join(', ')}. Use a file quantised to one of these (e.g. Q4_K_M, Q5_K_M, Q6_K, Q8_0, Q4_0)`,
      );
    }
  }
  checkTensorShapes(config, new Map(infos.map((t) => [t.name, [...t.dims].reverse()])), path);
  const tokenizer = ggufTokenizer(file);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw modelError('model_vocab_mismatch', path, `the tokenizer has ${tokenizer.vocabSize} tokens but the model has ${config.vocabSize}`);
  }
  return { config, infos, tokenizer };
}

export async function loadGgufModel(path: string): Promise<LoadedModel> {
  const file = readGguf(path);
  const { config, infos, tokenizer } = checkGgufHeader(file);
  const data = await readGgufTensorData(file, infos);
  const tensors = new Map<string, Tensor>();
  for (const t of infos) {
    const stored = data.get(t.name)!;
    const bytes = rewrite[t.type]?.(stored, t.dims.reduce((a, b) => a * b, 1)) ?? stored;
    tensors.set(t.name, { name: t.name, type: weightTypes[t.type], shape: [...t.dims].reverse(), data: bytes });
  }
  checkTensors(config, tensors, path);
  return { config, tensors, tokenizer, source: { path, format: 'gguf' } };
}
