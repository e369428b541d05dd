// A tiny random-weight llama/qwen2/qwen3 model written twice: as a GGUF file (F32, F16, Q8_0, a K-quant,
// Q4_0/Q5_0, BF16, or a Q4_K_M/Q5_K_M-like mix) and as a Hugging Face folder (config.json, safetensors, tokenizer.json)
// holding exactly the same weights.
// Weights are scaled so that every matmul keeps activations near unit variance and logits stay
// spread over a few units: nothing saturates, so comparisons between engines are meaningful.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HydrapatchError } from '../../src/protocol/errors';
import { f32ToF16Bits } from '../../server/src/model/f16';
import { GGML_BF16, GGML_F16, GGML_F32, GGML_Q4_0, GGML_Q4_K, GGML_Q5_0, GGML_Q5_K, GGML_Q6_K, GGML_Q8_0 } from '../../server/src/model/ggmlTypes';
import { type GgufMetaValue, type GgufWriteTensor, writeGguf } from '../lib/ggufWriter';
import { ggufToHfName } from '../../server/src/model/hfNames';
import { expectedTensorShapes } from '../../server/src/model/modelTensors';
import { type KQuantType, QK_K, dequantizeK } from '../../server/src/model/kQuants';
import { quantizeK } from './kQuantize';
import { type LegacyQuantType, dequantizeLegacy } from '../../server/src/model/legacyQuants';
import { dequantizeQ8_0 } from '../../server/src/model/q8';
import { quantizeQ8_0 } from './q8Quantize';
import { f32ToBf16Bits } from './bf16';
import { quantizeLegacy } from './legacyQuantize';
import { type Llama3RopeScaling, llama3RopeFreqs } from '../../server/src/model/ropeFreqs';
import { ggufToHfRopeRows } from '../../server/src/model/ropePermute';
import { type SafetensorsWriteTensor, writeSafetensors } from '../lib/safetensorsWriter';
import type { ModelConfig } from '../../server/src/model/types';
import type { WeightType } from '../../server/src/gpu/gpuWeight';
import { Prng } from './prng';
import { type GeneratedVocab, gpt2Vocab, spmVocab } from './vocab';

/**
 * One storage type for every matrix, or a mix like llama.cpp's: `q4_k_m`/`q5_k_m` store most matrices
 * in Q4_K/Q5_K and output.weight (or a tied embedding), attn_v and ffn_down of layer 0 in Q6_K.
 * As in llama.cpp, a matrix whose rows are not whole 256-value super-blocks falls back to Q8_0.
 */
export type TestWeightType = StorageType | 'q4_k_m' | 'q5_k_m';

/** What a GGUF tensor can be stored as: the loaded types, Q4_0/Q5_0 (loaded as Q8_0) and BF16 (as F32). */
export type StorageType = WeightType | LegacyQuantType | 'bf16';

export interface TestModelSpec
  extends Pick<ModelConfig, 'arch' | 'vocabSize' | 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'contextLength'> {
  weightType: TestWeightType;
  /** Storage types of single tensors (GGUF names), over weightType: any per-tensor mix. */
  typeOverrides?: Record<string, StorageType>;
  vocab: 'gpt2' | 'spm';
  tied: boolean;
  seed: number;
  /** Number of safetensors shards in the HF folder (>1 writes model.safetensors.index.json). */
  hfShards: number;
  /** llama only: Llama 3 rope scaling (config.json `rope_scaling`, GGUF `rope_freqs.weight`). */
  ropeScaling?: Llama3RopeScaling;
}

export interface TestModelFiles {
  gguf: string;
  hfDir: string;
}

export function specConfig(s: TestModelSpec): ModelConfig {
  return {
    arch: s.arch,
    vocabSize: s.vocabSize,
    hiddenSize: s.hiddenSize,
    intermediateSize: s.intermediateSize,
    numLayers: s.numLayers,
    numHeads: s.numHeads,
    numKvHeads: s.numKvHeads,
    headDim: s.headDim,
    // Values exactly representable in f32, so GGUF's f32 metadata and config.json agree bit for bit.
    ropeTheta: s.arch === 'llama' ? 10000 : 1000000,
    ropeMode: s.arch === 'llama' ? 'norm' : 'neox',
    rmsNormEps: Math.fround(s.arch === 'llama' ? 1e-5 : 1e-6),
    contextLength: s.contextLength,
    tiedEmbeddings: s.tied,
    qkvBias: s.arch === 'qwen2',
    qkNorm: s.arch === 'qwen3',
    ropeFreqs: s.ropeScaling !== undefined,
  };
}

/** Canonical (GGUF layout) f32 values of every tensor, before storage rounding. */
function randomWeights(c: ModelConfig, s: TestModelSpec): Map<string, Float32Array> {
  const rng = new Prng(s.seed);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of expectedTensorShapes(c)) {
    if (name === 'rope_freqs.weight') {
      out.set(name, llama3RopeFreqs(s.ropeScaling!, c.headDim, c.ropeTheta));
      continue;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const isNorm = name.endsWith('norm.weight');
    const isBias = name.endsWith('.bias');
    // Matrices: std 1/sqrt(in). The embedding doubles as the head when tied: std 2/sqrt(d) keeps
    // logits at a std of about 2 either way.
    const std = isNorm ? 0.1 : isBias ? 0.1 : name === 'token_embd.weight' ? 2 / Math.sqrt(c.hiddenSize) : 1 / Math.sqrt(shape[1]);
    for (let i = 0; i < n; i++) v[i] = (isNorm ? 1 : 0) + std * rng.normal();
    out.set(name, v);
  }
  return out;
}

interface Stored { ggml: GgufWriteTensor; hf: SafetensorsWriteTensor }

/** The storage type of matrix `name` with rows of `cols` values in a file of `spec`. */
export function matrixType(spec: Pick<TestModelSpec, 'weightType' | 'tied' | 'typeOverrides'>, name: string, cols: number): StorageType {
  const w = spec.weightType;
  let type: StorageType = spec.typeOverrides?.[name] ?? (w === 'q4_k_m' ? 'q4_k' : w === 'q5_k_m' ? 'q5_k' : w);
  const head = name === 'output.weight' || (spec.tied && name === 'token_embd.weight');
  if ((w === 'q4_k_m' || w === 'q5_k_m') && !spec.typeOverrides?.[name] && (head || name === 'blk.0.attn_v.weight' || name === 'blk.0.ffn_down.weight')) type = 'q6_k';
  if ((type === 'q4_k' || type === 'q5_k' || type === 'q6_k') && cols % QK_K !== 0) type = 'q8_0';
  return type;
}

const kGgml: Record<KQuantType, number> = { q4_k: GGML_Q4_K, q5_k: GGML_Q5_K, q6_k: GGML_Q6_K };

/** Rounds a tensor to its storage type; the HF copy holds the same values (quantised ones dequantised to F32). */
function store(name: string, shape: number[], v: Float32Array, type: StorageType): Stored {
  const dims = [...shape].reverse();
  if (shape.length === 1 || type === 'f32') {
    const bytes = new Uint8Array(v.buffer.slice(0));
    return { ggml: { name, dims, type: GGML_F32, data: bytes }, hf: { name, dtype: 'F32', shape, data: bytes } };
  }
  if (type === 'f16') {
    const h = new Uint16Array(v.length);
    for (let i = 0; i < v.length; i++) h[i] = f32ToF16Bits(v[i]);
    const bytes = new Uint8Array(h.buffer);
    return { ggml: { name, dims, type: GGML_F16, data: bytes }, hf: { name, dtype: 'F16', shape, data: bytes } };
  }
  if (type === 'bf16') {
    const bytes = new Uint8Array(Uint16Array.from(v, f32ToBf16Bits).buffer);
    return { ggml: { name, dims, type: GGML_BF16, data: bytes }, hf: { name, dtype: 'BF16', shape, data: bytes } };
  }
  if (type === 'q8_0') {
    const q = quantizeQ8_0(v);
    const deq = dequantizeQ8_0(q, v.length);
    return { ggml: { name, dims, type: GGML_Q8_0, data: q }, hf: { name, dtype: 'F32', shape, data: new Uint8Array(deq.buffer) } };
  }
  if (type === 'q4_0' || type === 'q5_0') {
    const q = quantizeLegacy(type, v);
    const deq = dequantizeLegacy(type, q, v.length);
    return { ggml: { name, dims, type: type === 'q4_0' ? GGML_Q4_0 : GGML_Q5_0, data: q }, hf: { name, dtype: 'F32', shape, data: new Uint8Array(deq.buffer) } };
  }
  const q = quantizeK(type, v);
  const deq = dequantizeK(type, q, v.length);
  return { ggml: { name, dims, type: kGgml[type], data: q }, hf: { name, dtype: 'F32', shape, data: new Uint8Array(deq.buffer) } };
}

function ggufMetadata(c: ModelConfig, s: TestModelSpec, vocab: GeneratedVocab): Record<string, GgufMetaValue> {
  const a = c.arch;
  const u32 = (value: number): GgufMetaValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufMetaValue => ({ type: 'f32', value });
  const m: Record<string, GgufMetaValue> = {
    'general.architecture': { type: 'string', value: a },
    'general.name': { type: 'string', value: `hydrapatch-test-${a}` },
    // llama_ftype: Q4_K_S 14, Q4_K_M 15, Q5_K_S 16, Q5_K_M 17, Q6_K 18.
    'general.file_type': u32({ f32: 0, f16: 1, q8_0: 7, q4_0: 2, q5_0: 8, bf16: 32, q4_k: 14, q4_k_m: 15, q5_k: 16, q5_k_m: 17, q6_k: 18 }[s.weightType]),
    [`${a}.context_length`]: u32(c.contextLength),
    [`${a}.embedding_length`]: u32(c.hiddenSize),
    [`${a}.block_count`]: u32(c.numLayers),
    [`${a}.feed_forward_length`]: u32(c.intermediateSize),
    [`${a}.attention.head_count`]: u32(c.numHeads),
    [`${a}.attention.head_count_kv`]: u32(c.numKvHeads),
    [`${a}.attention.key_length`]: u32(c.headDim),
    [`${a}.attention.value_length`]: u32(c.headDim),
    [`${a}.rope.dimension_count`]: u32(c.headDim),
    [`${a}.rope.freq_base`]: f32(c.ropeTheta),
    [`${a}.attention.layer_norm_rms_epsilon`]: f32(c.rmsNormEps),
    [`${a}.vocab_size`]: u32(c.vocabSize),
    'tokenizer.ggml.model': { type: 'string', value: vocab.kind === 'gpt2' ? 'gpt2' : 'llama' },
    'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', value: vocab.tokens },
    'tokenizer.ggml.token_type': { type: 'array', itemType: 'i32', value: vocab.types },
    'tokenizer.ggml.bos_token_id': u32(vocab.bosId),
    'tokenizer.ggml.eos_token_id': u32(vocab.eosId),
    'tokenizer.chat_template': { type: 'string', value: vocab.chatTemplate },
  };
  if (vocab.kind === 'gpt2') {
    m['tokenizer.ggml.pre'] = { type: 'string', value: 'qwen2' };
    m['tokenizer.ggml.merges'] = { type: 'array', itemType: 'string', value: vocab.merges };
    m['tokenizer.ggml.eot_token_id'] = u32(vocab.eotId!);
    m['tokenizer.ggml.add_bos_token'] = { type: 'bool', value: false };
  } else {
    m['tokenizer.ggml.scores'] = { type: 'array', itemType: 'f32', value: vocab.scores };
    m['tokenizer.ggml.unknown_token_id'] = u32(vocab.unkId!);
    m['tokenizer.ggml.add_bos_token'] = { type: 'bool', value: true };
    m['tokenizer.ggml.add_space_prefix'] = { type: 'bool', value: true };
  }
  return m;
}

function hfConfigJson(c: ModelConfig, s: TestModelSpec, vocab: GeneratedVocab): Record<string, unknown> {
  return {
    architectures: [{ llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM' }[c.arch]],
    model_type: c.arch,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    max_position_embeddings: c.contextLength,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: s.ropeScaling
      ? {
          rope_type: 'llama3',
          factor: s.ropeScaling.factor,
          low_freq_factor: s.ropeScaling.lowFreqFactor,
          high_freq_factor: s.ropeScaling.highFreqFactor,
          original_max_position_embeddings: s.ropeScaling.originalMaxPositionEmbeddings,
        }
      : null,
    tie_word_embeddings: c.tiedEmbeddings,
    attention_bias: false,
    torch_dtype: s.weightType === 'f16' ? 'float16' : s.weightType === 'bf16' ? 'bfloat16' : 'float32',
    bos_token_id: vocab.bosId,
    eos_token_id: vocab.eotId ?? vocab.eosId,
  };
}

function checkSpec(s: TestModelSpec): void {
  const problems: string[] = [];
  if (s.hiddenSize % 32 || s.intermediateSize % 32 || (s.numHeads * s.headDim) % 32) problems.push('hidden, intermediate and heads×headDim sizes must be multiples of 32 (Q8_0 blocks)');
  if (s.headDim % 16) problems.push('headDim must be a multiple of 16');
  if (s.numHeads % s.numKvHeads) problems.push('numHeads must be a multiple of numKvHeads');
  if (s.ropeScaling && s.arch !== 'llama') problems.push('ropeScaling is for llama only');
  if (problems.length) throw new HydrapatchError('bad_input', `bad test model spec ${JSON.stringify(s)}: ${problems.join('; ')}`, 'Change the spec as the message says.');
}

function buildModel(spec: TestModelSpec): { config: ModelConfig; vocab: GeneratedVocab; stored: Stored[] } {
  checkSpec(spec);
  const config = specConfig(spec);
  const vocab = spec.vocab === 'gpt2' ? gpt2Vocab(spec.vocabSize) : spmVocab(spec.vocabSize);
  const shapes = expectedTensorShapes(config);
  const stored = [...randomWeights(config, spec)].map(([name, v]) => {
    const shape = shapes.get(name)!;
    return store(name, shape, v, matrixType(spec, name, shape[shape.length - 1]));
  });
  return { config, vocab, stored };
}

/** The metadata and tensors a GGUF file of this spec holds, for tests that write altered copies. */
export function testGgufParts(spec: TestModelSpec): { metadata: Record<string, GgufMetaValue>; tensors: GgufWriteTensor[] } {
  const { config, vocab, stored } = buildModel(spec);
  return { metadata: ggufMetadata(config, spec, vocab), tensors: stored.map((s) => s.ggml) };
}

export function writeTestModel(spec: TestModelSpec, dir: string): TestModelFiles {
  const { config, vocab, stored } = buildModel(spec);
  mkdirSync(dir, { recursive: true });
  const gguf = join(dir, 'model.gguf');
  writeGguf(gguf, ggufMetadata(config, spec, vocab), stored.map((s) => s.ggml));

  const hfDir = join(dir, 'hf');
  mkdirSync(hfDir, { recursive: true });
  // rope_freqs.weight has no Hugging Face tensor: config.json's rope_scaling stands for it.
  const hfTensors = stored.filter(({ hf }) => hf.name !== 'rope_freqs.weight').map(({ hf }): SafetensorsWriteTensor => {
    const isRope = config.arch === 'llama' && (hf.name.endsWith('attn_q.weight') || hf.name.endsWith('attn_k.weight'));
    const data = isRope ? ggufToHfRopeRows(hf.data, hf.shape[0] / config.headDim, config.headDim) : hf.data;
    return { ...hf, name: ggufToHfName(hf.name), data };
  });
  writeShards(hfDir, hfTensors, Math.max(1, spec.hfShards));
  writeFileSync(join(hfDir, 'config.json'), JSON.stringify(hfConfigJson(config, spec, vocab), null, 2) + '\n');
  writeFileSync(join(hfDir, 'tokenizer.json'), JSON.stringify(vocab.hfTokenizerJson));
  writeFileSync(join(hfDir, 'tokenizer_config.json'), JSON.stringify(vocab.hfTokenizerConfig, null, 2) + '\n');
  return { gguf, hfDir };
}

function writeShards(dir: string, tensors: SafetensorsWriteTensor[], shards: number): void {
  if (shards === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    return;
  }
  const weightMap: Record<string, string> = {};
  const per = Math.ceil(tensors.length / shards);
  for (let i = 0; i < shards; i++) {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(i * per, (i + 1) * per);
    for (const t of part) weightMap[t.name] = file;
    writeSafetensors(join(dir, file), part, { format: 'pt' });
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2) + '\n');
}

