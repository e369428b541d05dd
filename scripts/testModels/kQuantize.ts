// The K-quant quantiser (Q4_K, Q5_K, Q6_K), for test files: the test-model generator and the kernel
// tests' inputs. The layouts, and the dequantiser that is the CPU reference of the GPU
// kernels, are the server's (server/src/model/kQuants.ts), which only reads K-quants.
import { f16BitsToF32, f32ToF16Bits } from '../../server/src/model/f16';
import { type KQuantType, QK_K, kBlockBytes } from '../../server/src/model/kQuants';

/**
 * Quantises `values` (a multiple of 256) to `type`, for writing test files. A plain min/max fit per
 * sub-block (not ggml's search for the best scales): any valid encoding serves, since both engines
 * read the same file.
 */
export function quantizeK(type: KQuantType, values: Float32Array): Uint8Array {
  if (values.length % QK_K !== 0) throw new Error(`${type} needs a multiple of ${QK_K} values, got ${values.length}`);
  const blocks = values.length / QK_K;
  const out = new Uint8Array(blocks * kBlockBytes[type]);
  for (let b = 0; b < blocks; b++) {
    const x = values.subarray(b * QK_K, (b + 1) * QK_K);
    const at = b * kBlockBytes[type];
    if (type === 'q6_k') quantizeQ6Block(x, out, at);
    else quantizeQ4Q5Block(type, x, out, at);
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function quantizeQ4Q5Block(type: 'q4_k' | 'q5_k', x: Float32Array, out: Uint8Array, at: number): void {
  const top = type === 'q4_k' ? 15 : 31;
  const scales: number[] = [];
  const mins: number[] = [];
  for (let j = 0; j < 8; j++) {
    const sub = x.subarray(32 * j, 32 * j + 32);
    const lo = Math.min(0, ...sub);
    scales.push((Math.max(...sub) - lo) / top);
    mins.push(-lo);
  }
  const d = putF16(out, at, Math.max(...scales) / 63);
  const dmin = putF16(out, at + 2, Math.max(...mins) / 63);
  const sc = scales.map((s) => (d ? clamp(Math.round(s / d), 0, 63) : 0));
  const m = mins.map((v) => (dmin ? clamp(Math.round(v / dmin), 0, 63) : 0));
  packScalesK4(sc, m, out, at + 4);
  const qs = at + (type === 'q4_k' ? 16 : 48);
  for (let i = 0; i < QK_K; i++) {
    const j = i >> 5;
    const step = d * sc[j];
    const q = step ? clamp(Math.round((x[i] + dmin * m[j]) / step), 0, top) : 0;
    const p = i >> 6;
    const l = i & 31;
    out[qs + 32 * p + l] |= (q & 0xf) << (j & 1 ? 4 : 0);
    if (type === 'q5_k' && q & 16) out[at + 16 + l] |= 1 << (2 * p + (j & 1));
  }
}

function quantizeQ6Block(x: Float32Array, out: Uint8Array, at: number): void {
  const scales: number[] = [];
  for (let s = 0; s < 16; s++) scales.push(Math.max(...x.subarray(16 * s, 16 * s + 16).map(Math.abs)) / 31);
  const d = putF16(out, at + 208, Math.max(...scales) / 127);
  const sc = scales.map((s) => (d ? clamp(Math.round(s / d), 0, 127) : 0));
  for (let s = 0; s < 16; s++) out[at + 192 + s] = sc[s] & 0xff;
  for (let i = 0; i < QK_K; i++) {
    const n = i >> 7;
    const t = (i >> 5) & 3;
    const l = i & 31;
    const step = d * sc[8 * n + (l >> 4) + 2 * t];
    const q = (step ? clamp(Math.round(x[i] / step), -32, 31) : 0) + 32;
    out[at + 64 * n + 32 * (t & 1) + l] |= (q & 0xf) << (t < 2 ? 0 : 4);
    out[at + 128 + 32 * n + l] |= (q >> 4) << (2 * t);
  }
}

function putF16(out: Uint8Array, at: number, v: number): number {
  const bits = f32ToF16Bits(v);
  out[at] = bits & 0xff;
  out[at + 1] = bits >> 8;
  return f16BitsToF32(bits);
}

function packScalesK4(sc: number[], m: number[], out: Uint8Array, at: number): void {
  for (let j = 0; j < 4; j++) {
    out[at + j] = (sc[j] & 63) | ((sc[j + 4] >> 4) << 6);
    out[at + j + 4] = (m[j] & 63) | ((m[j + 4] >> 4) << 6);
    out[at + j + 8] = (sc[j + 4] & 0xf) | ((m[j + 4] & 0xf) << 4);
  }
}
