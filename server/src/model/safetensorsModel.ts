// A Hugging Face folder (config.json, model.safetensors or a sharded index, tokenizer.json) as a
// LoadedModel in the canonical GGUF form: GGUF names, llama Q/K rows permuted for adjacent-pair RoPE,
// Llama 3 rope_scaling as rope_freqs.weight, BF16 widened to F32 (F32 and F16 kept as stored).
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { widenBf16 } from './f16';
import { hfToGgufName } from './hfNames';
import { hfTokenizer } from './hfTokenizer';
import { excerpt, modelError } from './modelError';
import { modelOpenFlags, readModelText } from './openModelFile';
import { checkConfig, checkTensors } from './modelTensors';
import { llama3RopeFreqs, llama3RopeScaling } from './ropeFreqs';
import { hfToGgufRopeRows } from './ropePermute';
import { type SafetensorsEntry, type SafetensorsFile, readSafetensorsData, readSafetensorsHeader } from './safetensors';
import type { LoadedModel, ModelConfig, Tensor } from './types';

function readConfig(dir: string): Record<string, unknown> {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw modelError('model_not_found', dir, 'has no config.json');
  const text = readModelText(path);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw modelError('model_bad_config', path, `is not valid JSON: ${(err as Error).message}`);
  }
}

/** As for GGUF: a sliding window (Mistral) is honoured by capping the context at it. */
function hfContextLength(raw: Record<string, unknown>, context: number): number {
  const window = raw.sliding_window;
  return typeof window === 'number' && window > 0 ? Math.min(context, window) : context;
}

export function hfConfig(raw: Record<string, unknown>, path: string): ModelConfig {
  const type = raw.model_type;
  if (type !== 'llama' && type !== 'qwen2' && type !== 'qwen3') {
    throw modelError('model_unsupported_arch', path, `model_type ${JSON.stringify(type ?? null)} is not supported (supported: llama, qwen2, qwen3)`);
  }
  // Llama 3 scaling becomes rope_freqs.weight (see ropeFreqs.ts); any other kind is refused there.
  if (raw.rope_scaling != null && type !== 'llama') {
    throw modelError('model_bad_config', path, `rope_scaling ${JSON.stringify(raw.rope_scaling)} is not supported for ${type}`, 'Use a model without rope scaling.');
  }
  if (type !== 'qwen2' && (raw.attention_bias === true || raw.mlp_bias === true)) {
    throw modelError('model_bad_config', path, `${type} with attention_bias or mlp_bias is not supported`);
  }
  if (raw.rope_scaling != null) llama3RopeScaling(raw.rope_scaling, path);
  if (typeof raw.num_local_experts === 'number' && raw.num_local_experts > 0) {
    throw modelError('model_unsupported_arch', path, `is a mixture-of-experts model (${raw.num_local_experts} experts), which is not supported`, 'Use a dense llama, qwen2 or qwen3 model.');
  }
  const n = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number') throw modelError('model_bad_config', path, `${key} is ${JSON.stringify(v ?? null)}, expected a number`);
    return v;
  };
  const hiddenSize = n('hidden_size');
  const numHeads = n('num_attention_heads');
  const config: ModelConfig = {
    arch: type,
    vocabSize: n('vocab_size'),
    hiddenSize,
    intermediateSize: n('intermediate_size'),
    numLayers: n('num_hidden_layers'),
    numHeads,
    numKvHeads: n('num_key_value_heads', numHeads),
    headDim: n('head_dim', Math.floor(hiddenSize / numHeads)),
    ropeTheta: n('rope_theta', 10000),
    ropeMode: type === 'llama' ? 'norm' : 'neox',
    rmsNormEps: n('rms_norm_eps', 1e-6),
    contextLength: hfContextLength(raw, n('max_position_embeddings', 2048)),
    tiedEmbeddings: raw.tie_word_embeddings === true,
    qkvBias: type === 'qwen2',
    qkNorm: type === 'qwen3',
    ropeFreqs: raw.rope_scaling != null,
  };
  checkConfig(config, path);
  return config;
}

/**
 * A shard the index names, as a path inside the model folder: names that climb out of it (`../`, an
 * absolute path, or a symlink pointing elsewhere) are refused, so an index cannot make the server read
 * arbitrary files.
 */
function shardPath(dir: string, index: string, name: unknown): string {
  const refuse = (why: string) => modelError('model_bad_header', index, `weight_map names ${excerpt(String(name))}, ${why}`, 'An index may only name .safetensors files inside the model folder: fix the index or download the model again.');
  if (typeof name !== 'string' || name === '' || isAbsolute(name)) throw refuse('which is not a file name inside the model folder');
  const inside = (root: string, p: string) => {
    const rel = relative(root, p);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  };
  const path = join(dir, name);
  if (!inside(dir, path)) throw refuse('a path outside the model folder');
  if (existsSync(path) && !inside(realpathSync(dir), realpathSync(path))) throw refuse('a link that leads outside the model folder');
  return path;
}

/** The .safetensors files of a folder: the index's shards, model.safetensors, or every *.safetensors. */
function weightFiles(dir: string): string[] {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    let map: Record<string, string>;
    try {
      map = (JSON.parse(readModelText(index)) as { weight_map: Record<string, string> }).weight_map;
    } catch (err) {
      throw modelError('model_bad_header', index, `is not a valid index: ${(err as Error).message}`);
    }
    if (typeof map !== 'object' || map === null) throw modelError('model_bad_header', index, 'has no weight_map');
    return [...new Set(Object.values(map))].map((f) => shardPath(dir, index, f));
  }
  if (existsSync(join(dir, 'model.safetensors'))) return [join(dir, 'model.safetensors')];
  const all = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  if (all.length === 0) throw modelError('model_not_found', dir, 'has no *.safetensors weights');
  return all.map((f) => join(dir, f));
}

async function readTensor(file: SafetensorsFile, entry: SafetensorsEntry, ggufName: string, config: ModelConfig): Promise<Tensor> {
  const fh = await open(file.path, modelOpenFlags);
  let data: Uint8Array;
  try {
    data = await readSafetensorsData(fh, file, entry);
  } finally {
    await fh.close();
  }
  const type = entry.dtype === 'F16' ? 'f16' : 'f32';
  if (entry.dtype === 'BF16') data = widenBf16(data);
  if (config.arch === 'llama' && entry.shape[0] % config.headDim === 0) {
    if (ggufName.endsWith('attn_q.weight')) data = hfToGgufRopeRows(data, entry.shape[0] / config.headDim, config.headDim);
    if (ggufName.endsWith('attn_k.weight')) data = hfToGgufRopeRows(data, entry.shape[0] / config.headDim, config.headDim);
  }
  return { name: ggufName, type, shape: [...entry.shape], data };
}

export async function loadSafetensorsModel(dir: string): Promise<LoadedModel> {
  const raw = readConfig(dir);
  const config = hfConfig(raw, join(dir, 'config.json'));
  const tensors = new Map<string, Tensor>();
  for (const path of weightFiles(dir)) {
    const file = readSafetensorsHeader(path);
    for (const entry of file.entries.values()) {
      const name = hfToGgufName(entry.name);
      if (name && !tensors.has(name)) tensors.set(name, await readTensor(file, entry, name, config));
    }
  }
  // Some tied checkpoints still ship lm_head.weight; the canonical form has no output.weight then.
  if (config.tiedEmbeddings) tensors.delete('output.weight');
  if (config.ropeFreqs) {
    const factors = llama3RopeFreqs(llama3RopeScaling(raw.rope_scaling, join(dir, 'config.json')), config.headDim, config.ropeTheta);
    tensors.set('rope_freqs.weight', { name: 'rope_freqs.weight', type: 'f32', shape: [factors.length], data: new Uint8Array(factors.buffer) });
  }
  checkTensors(config, tensors, dir);
  const tokenizer = hfTokenizer(dir, raw);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw modelError('model_vocab_mismatch', dir, `the tokenizer has ${tokenizer.vocabSize} tokens but the embedding table has ${config.vocabSize} rows`);
  }
  return { config, tensors, tokenizer, source: { path: dir, format: 'safetensors' } };
}
