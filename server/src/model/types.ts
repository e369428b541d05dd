// The contract between the loaders (GGUF, safetensors) and the engine. Whatever the source, a loaded
// model is in one canonical form: GGUF tensor names and GGUF layout (for `llama`, Q/K rows permuted
// for adjacent-pair RoPE exactly as llama.cpp's converter does; `qwen2` and `qwen3` use NEOX RoPE,
// unpermuted).

import type { WeightType } from '../gpu/gpuWeight';
import type { RopeMode } from '../gpu/rope';

export type Arch = 'llama' | 'qwen2' | 'qwen3';

export interface ModelConfig {
  arch: Arch;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  ropeTheta: number;
  ropeMode: RopeMode;
  rmsNormEps: number;
  contextLength: number;
  /** No `output.weight`: the LM head is `token_embd.weight`. */
  tiedEmbeddings: boolean;
  /** q/k/v have biases (qwen2). */
  qkvBias: boolean;
  /** Per-head RMSNorm of q and k before RoPE (qwen3): `attn_q_norm.weight`, `attn_k_norm.weight` [headDim]. */
  qkNorm: boolean;
  /** RoPE frequency factors (Llama 3.1+): `rope_freqs.weight` [headDim/2] divides each pair's angle. */
  ropeFreqs: boolean;
}

/**
 * One weight. `shape` is [rows, cols] = [out, in] for matrices (GGUF's ne reversed), [n] for vectors.
 * `data` holds the raw bytes in `type`: f32/f16 little-endian, row-major; q8_0 as 34-byte blocks
 * (f16 scale + 32 int8) along each row (q8.ts); q4_k/q5_k/q6_k as ggml's 256-value super-blocks (kQuants.ts).
 */
export interface Tensor {
  name: string;
  type: WeightType;
  shape: number[];
  data: Uint8Array;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosIds: number[];
  /** The model's tokenizer puts BOS at the start of a text (`add_bos_token`); false for e.g. Qwen2. */
  readonly addsBos?: boolean;
  encode(text: string, options?: { addBos?: boolean }): number[];
  decode(ids: number[]): string;
  /** The chat template applied to messages, ending with the assistant's turn open. */
  applyChatTemplate?(messages: { role: string; content: string }[]): string;
}

export interface LoadedModel {
  config: ModelConfig;
  /** Canonical GGUF names: token_embd.weight, blk.{i}.attn_norm.weight, blk.{i}.attn_{q,k,v,output}.weight,
   *  blk.{i}.attn_{q,k,v}.bias, blk.{i}.attn_{q,k}_norm.weight, rope_freqs.weight, blk.{i}.ffn_norm.weight, blk.{i}.ffn_{gate,up,down}.weight,
   *  output_norm.weight, output.weight (absent when tied). */
  tensors: Map<string, Tensor>;
  tokenizer: Tokenizer;
  source: { path: string; format: 'gguf' | 'safetensors' };
}
