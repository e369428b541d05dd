// CPU references of the GPU kernels in server/src/gpu (each kernel's header names this file): plain
// loops, f64 where the sum allows, against which test/unit/gpu checks every kernel.
import { roundToF16 } from '../../../server/src/model/f16';
import { dequantize } from '../../../server/src/model/weightUpload';
import type { Tensor } from '../../../server/src/model/types';
import type { RopeMode } from '../../../server/src/gpu/rope';

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// activationQuant.ts
/** CPU reference: Q8_0 blocks of x (llama.cpp's AVX2 quantize_row_q8_0). */
export function quantizeQ8Ref(x: Float32Array): { q: Int8Array; d: Float32Array } {
  const blocks = x.length / 32;
  const q = new Int8Array(x.length);
  const d = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const scale = amax !== 0 ? Math.fround(127 / amax) : 0;
    d[b] = roundToF16(Math.fround(amax / 127));
    for (let j = 0; j < 32; j++) q[b * 32 + j] = roundHalfEven(Math.fround(x[b * 32 + j] * scale));
  }
  return { q, d };
}

// causalAttention.ts
/** CPU reference: plain softmax(q·kᵀ/√d)·v per row and head, over cache entries 0..position. */
export function causalAttentionRef(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  positions: ArrayLike<number>,
  heads: number,
  kvHeads: number,
  headDim: number,
): Float32Array {
  const out = new Float32Array(q.length);
  const group = heads / kvHeads;
  for (let r = 0; r < positions.length; r++) {
    for (let h = 0; h < heads; h++) {
      const qo = (r * heads + h) * headDim;
      const kvo = Math.floor(h / group) * headDim;
      const n = positions[r] + 1;
      const scores = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let d = 0; d < headDim; d++) s += q[qo + d] * kCache[j * kvHeads * headDim + kvo + d];
        scores[j] = s / Math.sqrt(headDim);
      }
      const max = Math.max(...scores);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (scores[j] = Math.exp(scores[j] - max));
      for (let d = 0; d < headDim; d++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += scores[j] * vCache[j * kvHeads * headDim + kvo + d];
        out[qo + d] = s / sum;
      }
    }
  }
  return out;
}

// embedding.ts
export function embeddingRef(table: Tensor, tokens: ArrayLike<number>): Float32Array {
  const [, dim] = table.shape;
  const all = dequantize(table);
  const out = new Float32Array(tokens.length * dim);
  for (let r = 0; r < tokens.length; r++) out.set(all.subarray(tokens[r] * dim, (tokens[r] + 1) * dim), r * dim);
  return out;
}

// matmul.ts
/** CPU reference in f64: y[m,n] = Σ_k x[m,k]·w[n,k] (+ bias[n]) (+ y[m,n]); x as the kernel sees it (already rounded). */
export function matmulRef(x: Float32Array, M: number, w: Tensor, bias?: Float32Array, accumulateInto?: Float32Array): Float32Array {
  const [N, K] = w.shape;
  const wf = dequantize(w);
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * wf[n * K + k];
      if (bias) s += bias[n];
      if (accumulateInto) s += accumulateInto[m * N + n];
      y[m * N + n] = s;
    }
  }
  return y;
}

// rmsNorm.ts
/** CPU reference (the mean accumulated in f64, as llama.cpp does). */
export function rmsNormRef(x: Float32Array, rows: number, weight: Float32Array, eps: number): Float32Array {
  const dim = weight.length;
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += x[r * dim + i] ** 2;
    const scale = Math.fround(1 / Math.sqrt(Math.fround(s / dim + eps)));
    for (let i = 0; i < dim; i++) y[r * dim + i] = Math.fround(x[r * dim + i] * scale) * weight[i];
  }
  return y;
}

// rope.ts
/** CPU reference, with angles from an independent f64 computation (θ = pos·base^(-2i/headDim) / factor_i). */
export function ropeRef(x: Float32Array, positions: ArrayLike<number>, heads: number, headDim: number, base: number, mode: RopeMode, freqFactors?: Float32Array): Float32Array {
  const y = x.slice();
  const half = headDim / 2;
  for (let r = 0; r < positions.length; r++) {
    for (let h = 0; h < heads; h++) {
      const o = (r * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const theta = (positions[r] * Math.pow(base, (-2 * i) / headDim)) / (freqFactors?.[i] ?? 1);
        const [a, b] = mode === 'neox' ? [o + i, o + i + half] : [o + 2 * i, o + 2 * i + 1];
        y[a] = x[a] * Math.cos(theta) - x[b] * Math.sin(theta);
        y[b] = x[a] * Math.sin(theta) + x[b] * Math.cos(theta);
      }
    }
  }
  return y;
}

// swiglu.ts
export function swigluRef(gate: Float32Array, up: Float32Array): Float32Array {
  return gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
}
