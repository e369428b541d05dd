// The plain-TypeScript reference forward pass of the Llama family (llama, qwen2, qwen3): the whole sequence
// at once, logits at every position, in f64 arithmetic over the stored weights. It is the independent
// reference the GPU engine is tested against, and is itself tested against llama.cpp.
//
// `mimicLlamaCpp` reproduces the rounding llama.cpp's CPU backend adds beyond the weights' own:
// before a matmul with Q8_0 weights the activations are quantised to Q8_0 blocks and multiplied as
// integers; before one with K-quant weights, to Q8_K super-blocks (kQuants.ts). F16 weights depend
// on the CPU variant of ggml that llama.cpp loaded (`f16Activations`), as measured against
// node-llama-cpp 3.21.1: its AVX2 kernels multiply matrices whose row count is a multiple of 32 with
// f32 activations (rounding them would give 4e-3) and others (an LM head of vocabulary 520, 600,
// 777, …) with activations rounded to f16 (not rounding gives 1e-3): 'unaligned'. Its AVX-512
// kernels round the activations of every F16 matmul to f16, prefill and decode alike: 'all'.
import { HydrapatchError } from '../../../src/protocol/errors';
import { f16BitsToF32, roundToF16 } from '../../../server/src/model/f16';
import { Q8_BLOCK, Q8_BLOCK_BYTES, dequantizeQ8_0 } from '../../../server/src/model/q8';
import { QK_K, type KBlockInts, type KQuantType, dequantizeK, kBlockInts, quantizeQ8K } from '../../../server/src/model/kQuants';
import type { LoadedModel, Tensor } from '../../../server/src/model/types';


export interface CpuForwardOptions {
  mimicLlamaCpp?: boolean;
  /** F16 matmuls given f16-rounded activations when mimicking (default 'unaligned', the AVX2 kernels'). */
  f16Activations?: 'unaligned' | 'all';
  /** Keys and values rounded to f16 as they enter the cache (an f16 KV cache). */
  kvF16?: boolean;
}

type Model = Pick<LoadedModel, 'config' | 'tensors'>;

interface Matrix {
  rows: number;
  cols: number;
  /** Dequantised values, row-major. */
  values: Float32Array;
  /** Q8_0 only: per row and block, the f16 scale as f32, and the int8 values. */
  q8?: { scales: Float32Array; quants: Int8Array };
  /** K-quants only: every super-block's integers, row-major. */
  k?: KBlockInts[];
  f16: boolean;
}

const matrixCache = new WeakMap<Tensor, Matrix>();

function tensorValues(t: Tensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.type === 'f32') return new Float32Array(t.data.slice().buffer, 0, n);
  if (t.type === 'q8_0') return dequantizeQ8_0(t.data, n);
  if (isKQuant(t.type)) return dequantizeK(t.type, t.data, n);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f16BitsToF32(view.getUint16(2 * i, true));
  return out;
}

function matrix(t: Tensor): Matrix {
  let m = matrixCache.get(t);
  if (m) return m;
  const values = tensorValues(t);
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  const cols = t.shape[t.shape.length - 1];
  m = { rows, cols, values, f16: t.type === 'f16' };
  if (t.type === 'q8_0') {
    const blocks = values.length / Q8_BLOCK;
    const scales = new Float32Array(blocks);
    const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    for (let b = 0; b < blocks; b++) scales[b] = f16BitsToF32(view.getUint16(b * Q8_BLOCK_BYTES, true));
    const quants = new Int8Array(values.length);
    for (let b = 0; b < blocks; b++) {
      for (let j = 0; j < Q8_BLOCK; j++) quants[b * Q8_BLOCK + j] = view.getInt8(b * Q8_BLOCK_BYTES + 2 + j);
    }
    m.q8 = { scales, quants };
  }
  if (isKQuant(t.type)) {
    const type = t.type;
    m.k = Array.from({ length: values.length / QK_K }, (_, b) => kBlockInts(type, t.data, b));
  }
  matrixCache.set(t, m);
  return m;
}

function isKQuant(type: Tensor['type']): type is KQuantType {
  return type === 'q4_k' || type === 'q5_k' || type === 'q6_k';
}

/**
 * y = W x as llama.cpp's CPU backend computes it for K-quant weights: x quantised to Q8_K, and per
 * super-block x.d·(d·Σ sc·Σ q·q8 − dmin·Σ m·Σ q8) over its sub-blocks (integer sums exact).
 */
function matVecK(w: Matrix, blocks: KBlockInts[], x: Float64Array): Float64Array {
  const y = new Float64Array(w.rows);
  const { q: xq, d: xd } = quantizeQ8K(x);
  const perRow = w.cols / QK_K;
  for (let r = 0; r < w.rows; r++) {
    let acc = 0;
    for (let b = 0; b < perRow; b++) {
      const k = blocks[r * perRow + b];
      let scaled = 0;
      let mins = 0;
      for (let s = 0; s < QK_K / k.sub; s++) {
        let dot = 0;
        let sum = 0;
        for (let i = s * k.sub; i < (s + 1) * k.sub; i++) {
          dot += k.q[i] * xq[b * QK_K + i];
          sum += xq[b * QK_K + i];
        }
        scaled += k.sc[s] * dot;
        mins += k.m[s] * sum;
      }
      acc += xd[b] * (k.d * scaled - k.dmin * mins);
    }
    y[r] = acc;
  }
  return y;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** y = W x for one activation vector, with llama.cpp's activation rounding when asked. */
/** false: plain f64 products; else llama.cpp's rounding, with its rule for f16 activations. */
type Mimic = false | 'unaligned' | 'all';

function matVec(w: Matrix, x: Float64Array, mimic: Mimic): Float64Array {
  if (mimic && w.k) return matVecK(w, w.k, x);
  const y = new Float64Array(w.rows);
  const { cols, values } = w;
  if (mimic && w.q8) {
    // Activations quantised as ggml's quantize_row_q8_0 (x86): d = amax/127 stored as f16,
    // q = round-half-even(x · 127/amax); each block's integer dot product is scaled by d_w · d_x.
    const blocks = cols / Q8_BLOCK;
    const xq = new Int8Array(cols);
    const xd = new Float64Array(blocks);
    for (let b = 0; b < blocks; b++) {
      let amax = 0;
      for (let j = 0; j < Q8_BLOCK; j++) amax = Math.max(amax, Math.abs(Math.fround(x[b * Q8_BLOCK + j])));
      const id = amax ? Math.fround(127 / amax) : 0;
      xd[b] = roundToF16(Math.fround(amax / 127));
      for (let j = 0; j < Q8_BLOCK; j++) xq[b * Q8_BLOCK + j] = roundHalfEven(Math.fround(Math.fround(x[b * Q8_BLOCK + j]) * id));
    }
    const { scales, quants } = w.q8;
    for (let r = 0; r < w.rows; r++) {
      let acc = 0;
      for (let b = 0; b < blocks; b++) {
        let s = 0;
        const o = r * cols + b * Q8_BLOCK;
        for (let j = 0; j < Q8_BLOCK; j++) s += quants[o + j] * xq[b * Q8_BLOCK + j];
        acc += s * scales[r * blocks + b] * xd[b];
      }
      y[r] = acc;
    }
    return y;
  }
  const xs = mimic && w.f16 && (mimic === 'all' || w.rows % 32 !== 0) ? x.map(roundToF16) : x;
  for (let r = 0; r < w.rows; r++) {
    let acc = 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) acc += values[o + c] * xs[c];
    y[r] = acc;
  }
  return y;
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const scale = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * scale * weight[i]);
}

/** RMSNorm of each head of v in place (qwen3's q/k norms). */
function headNorm(v: Float64Array, weight: Float32Array, eps: number): void {
  const hd = weight.length;
  for (let o = 0; o < v.length; o += hd) v.set(rmsNorm(v.subarray(o, o + hd), weight, eps), o);
}

/** cos/sin of each pair's angle, as llama.cpp computes them: θ_i = p·base^(-2i/d) by repeated f32 products, / factor_i. */
function ropeTable(position: number, headDim: number, base: number, freqFactors?: Float32Array): { cos: Float64Array; sin: Float64Array } {
  const half = headDim / 2;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  const scale = Math.fround(Math.pow(base, -2 / headDim));
  let theta = Math.fround(position);
  for (let i = 0; i < half; i++) {
    const angle = freqFactors ? Math.fround(theta / freqFactors[i]) : theta;
    cos[i] = Math.cos(angle);
    sin[i] = Math.sin(angle);
    theta = Math.fround(theta * scale);
  }
  return { cos, sin };
}

/** Rotates every head of v in place; `norm` pairs (2i, 2i+1), `neox` pairs (i, i + d/2). */
function rope(v: Float64Array, heads: number, headDim: number, neox: boolean, t: { cos: Float64Array; sin: Float64Array }): void {
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const a = h * headDim + (neox ? i : 2 * i);
      const b = neox ? a + half : a + 1;
      const x0 = v[a];
      const x1 = v[b];
      v[a] = x0 * t.cos[i] - x1 * t.sin[i];
      v[b] = x0 * t.sin[i] + x1 * t.cos[i];
    }
  }
}

function addInPlace(x: Float64Array, y: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) x[i] += y[i];
}

/**
 * A sequence being evaluated: keeps every layer's keys and values, so tokens can be appended one
 * step at a time (decode) and a prefix can be forked into several continuations (prompt trees).
 */
export class CpuSequence {
  private readonly keys: Float64Array[][];
  private readonly values: Float64Array[][];

  constructor(
    private readonly model: Model,
    private readonly options: CpuForwardOptions = {},
    state?: { keys: Float64Array[][]; values: Float64Array[][] },
  ) {
    const layers = model.config.numLayers;
    // Rows are never changed once written, so a fork shares them and copies only the lists.
    this.keys = state ? state.keys.map((l) => [...l]) : Array.from({ length: layers }, () => []);
    this.values = state ? state.values.map((l) => [...l]) : Array.from({ length: layers }, () => []);
  }

  get length(): number {
    return this.keys[0]?.length ?? 0;
  }

  /** An independent copy that continues from the same tokens. */
  fork(): CpuSequence {
    return new CpuSequence(this.model, this.options, { keys: this.keys, values: this.values });
  }

  /** Appends tokens; returns the logits (vocabSize values) after each of them. */
  append(tokens: number[]): Float64Array[] {
    const { model } = this;
    const c = model.config;
    const mimic: Mimic = this.options.mimicLlamaCpp ? (this.options.f16Activations ?? 'unaligned') : false;
    const t = (name: string): Tensor => {
      const tensor = model.tensors.get(name);
      if (!tensor) throw new HydrapatchError('model_missing_tensor', `cpuForward: tensor ${name} is missing`, 'Load the model with loadModel, which checks every tensor.');
      return tensor;
    };
    const vec = (name: string): Float32Array => matrix(t(name)).values;
    const embd = matrix(t('token_embd.weight'));
    const d = c.hiddenSize;
    const hd = c.headDim;
    const group = c.numHeads / c.numKvHeads;
    const neox = c.ropeMode === 'neox';
    const start = this.length;
    const xs = tokens.map((id) => {
      if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) {
        throw new HydrapatchError('bad_token', `token ${id} is outside the vocabulary of ${c.vocabSize}`, 'Pass token ids from this model\'s tokenizer.');
      }
      return Float64Array.from(embd.values.subarray(id * d, (id + 1) * d));
    });
    const freqs = c.ropeFreqs ? vec('rope_freqs.weight') : undefined;
    const angles = tokens.map((_, i) => ropeTable(start + i, hd, c.ropeTheta, freqs));
    const scale = 1 / Math.sqrt(hd);

    for (let l = 0; l < c.numLayers; l++) {
      const b = `blk.${l}.`;
      const wq = matrix(t(`${b}attn_q.weight`));
      const wk = matrix(t(`${b}attn_k.weight`));
      const wv = matrix(t(`${b}attn_v.weight`));
      const wo = matrix(t(`${b}attn_output.weight`));
      const ks = this.keys[l];
      const vs = this.values[l];
      const qs = xs.map((x, i) => {
        const h = rmsNorm(x, vec(`${b}attn_norm.weight`), c.rmsNormEps);
        const q = matVec(wq, h, mimic);
        const k = matVec(wk, h, mimic);
        const v = matVec(wv, h, mimic);
        if (c.qkvBias) {
          addInPlace(q, vec(`${b}attn_q.bias`));
          addInPlace(k, vec(`${b}attn_k.bias`));
          addInPlace(v, vec(`${b}attn_v.bias`));
        }
        if (c.qkNorm) {
          headNorm(q, vec(`${b}attn_q_norm.weight`), c.rmsNormEps);
          headNorm(k, vec(`${b}attn_k_norm.weight`), c.rmsNormEps);
        }
        rope(q, c.numHeads, hd, neox, angles[i]);
        rope(k, c.numKvHeads, hd, neox, angles[i]);
        if (this.options.kvF16) {
          // Rounded from f32, as the GPU's kv store rounds its f32 k/v.
          ks.push(k.map((x) => roundToF16(Math.fround(x))));
          vs.push(v.map((x) => roundToF16(Math.fround(x))));
        } else {
          ks.push(k);
          vs.push(v);
        }
        return q;
      });
      xs.forEach((x, i) => {
        const p = start + i;
        const q = qs[i];
        const out = new Float64Array(c.numHeads * hd);
        for (let h = 0; h < c.numHeads; h++) {
          const kvh = Math.floor(h / group);
          const scores = new Float64Array(p + 1);
          let max = -Infinity;
          for (let s = 0; s <= p; s++) {
            let dot = 0;
            for (let j = 0; j < hd; j++) dot += q[h * hd + j] * ks[s][kvh * hd + j];
            scores[s] = dot * scale;
            max = Math.max(max, scores[s]);
          }
          let sum = 0;
          for (let s = 0; s <= p; s++) sum += scores[s] = Math.exp(scores[s] - max);
          for (let s = 0; s <= p; s++) {
            const w = scores[s] / sum;
            for (let j = 0; j < hd; j++) out[h * hd + j] += w * vs[s][kvh * hd + j];
          }
        }
        addInPlace(x, matVec(wo, out, mimic));
      });
      const gate = matrix(t(`${b}ffn_gate.weight`));
      const up = matrix(t(`${b}ffn_up.weight`));
      const down = matrix(t(`${b}ffn_down.weight`));
      for (const x of xs) {
        const h = rmsNorm(x, vec(`${b}ffn_norm.weight`), c.rmsNormEps);
        const g = matVec(gate, h, mimic);
        const u = matVec(up, h, mimic);
        const a = g.map((gv, j) => (gv / (1 + Math.exp(-gv))) * u[j]);
        addInPlace(x, matVec(down, a, mimic));
      }
    }
    const head = matrix(c.tiedEmbeddings ? t('token_embd.weight') : t('output.weight'));
    return xs.map((x) => matVec(head, rmsNorm(x, vec('output_norm.weight'), c.rmsNormEps), mimic));
  }
}

/** Logits (vocabSize values) at every position of `tokens`. */
export function cpuForward(model: Model, tokens: number[], options: CpuForwardOptions = {}): Float64Array[] {
  return new CpuSequence(model, options).append(tokens);
}

/** log softmax of one row of logits. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits as ArrayLike<number>, (v) => v - lse);
}
