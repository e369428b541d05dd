// ggml's K-quants (Q4_K, Q5_K, Q6_K): super-blocks of 256 values, as llama.cpp stores them. Their layouts,
// and the dequantiser: the CPU reference the GPU kernels (gpu/matmul.ts, gpu/kQuantWgsl.ts) are
// tested against; and the Q8_K activation rounding llama.cpp's CPU backend applies before K-quant dot
// products (the reference forward, test/helpers/reference/cpuForward.ts, mimics it). The quantiser
// that writes test files is scripts/testModels/kQuantize.ts.
//
// Layouts (little-endian, one super-block):
// - Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32,
//   128 bytes of 4-bit quants. Value = d·sc·q − dmin·m. Chunk p (64 values) uses bytes qs[32p..32p+31]:
//   low nibbles are sub-block 2p, high nibbles sub-block 2p+1.
// - Q5_K (176 bytes): f16 d, f16 dmin, 12 scale bytes, qh[32], qs[128]; as Q4_K with a fifth bit:
//   bit (2p + j%2) of qh[l] is the high bit of value l of sub-block j.
// - Q6_K (210 bytes): ql[128], qh[64], int8 scales[16] (one per 16 values), f16 d. Value = d·sc·(q − 32).
//   Half n (128 values) holds four quarters t of 32: the low 4 bits in ql[64n + 32(t%2) + l] (low
//   nibble for t < 2), the high 2 bits in qh[32n + l] at bit 2t; the scale is scales[8n + l/16 + 2t].
// The 6-bit Q4_K/Q5_K scales: for j < 4, sc = s[j] & 63 and m = s[j+4] & 63; for j ≥ 4 the low 4 bits
// are in s[j+4] (sc low nibble, m high nibble) and the high 2 bits in the top bits of s[j−4] (sc) and s[j] (m).
import { f16BitsToF32 } from './f16';

export const QK_K = 256;
export type KQuantType = 'q4_k' | 'q5_k' | 'q6_k';
export const kBlockBytes: Record<KQuantType, number> = { q4_k: 144, q5_k: 176, q6_k: 210 };

export function isKQuant(type: string): type is KQuantType {
  return type in kBlockBytes;
}

/** Sub-block j's 6-bit scale and min from the 12 packed bytes at `at`. */
export function scaleMinK4(bytes: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [bytes[at + j] & 63, bytes[at + j + 4] & 63];
  return [(bytes[at + j + 4] & 0xf) | ((bytes[at + j - 4] >> 6) << 4), (bytes[at + j + 4] >> 4) | ((bytes[at + j] >> 6) << 4)];
}

const f16 = (bytes: Uint8Array, at: number): number => f16BitsToF32(bytes[at] | (bytes[at + 1] << 8));
/** Integer quant of value i (0..255) of the super-block at `at`, and its sub-block (scale index). */
function quantQ4Q5(type: 'q4_k' | 'q5_k', bytes: Uint8Array, at: number, i: number): number {
  const p = i >> 6;
  const j = i >> 5;
  const l = i & 31;
  const qs = at + (type === 'q4_k' ? 16 : 48);
  const nibble = j & 1 ? bytes[qs + 32 * p + l] >> 4 : bytes[qs + 32 * p + l] & 0xf;
  if (type === 'q4_k') return nibble;
  return nibble | (((bytes[at + 16 + l] >> (2 * p + (j & 1))) & 1) << 4);
}

function quantQ6(bytes: Uint8Array, at: number, i: number): { q: number; scale: number } {
  const n = i >> 7;
  const t = (i >> 5) & 3;
  const l = i & 31;
  const lo = bytes[at + 64 * n + 32 * (t & 1) + l];
  const q = ((t < 2 ? lo & 0xf : lo >> 4) | (((bytes[at + 128 + 32 * n + l] >> (2 * t)) & 3) << 4)) - 32;
  const scale = (bytes[at + 192 + 8 * n + (l >> 4) + 2 * t] << 24) >> 24;
  return { q, scale };
}

/** The integer form of one super-block: value i = a[sub(i)]·q[i] − b[sub(i)] (sub-blocks of 32, or 16 for Q6_K). */
export interface KBlockInts {
  q: Int32Array;
  /** Per sub-block: integer scale, integer min (0 for Q6_K), and the block's d, dmin. */
  sc: Int32Array;
  m: Int32Array;
  d: number;
  dmin: number;
  sub: number;
}

export function kBlockInts(type: KQuantType, bytes: Uint8Array, block: number): KBlockInts {
  const at = block * kBlockBytes[type];
  const q = new Int32Array(QK_K);
  if (type === 'q6_k') {
    const sc = new Int32Array(16);
    for (let i = 0; i < QK_K; i++) {
      const v = quantQ6(bytes, at, i);
      q[i] = v.q;
      sc[i >> 4] = v.scale;
    }
    return { q, sc, m: new Int32Array(16), d: f16(bytes, at + 208), dmin: 0, sub: 16 };
  }
  const sc = new Int32Array(8);
  const m = new Int32Array(8);
  for (let j = 0; j < 8; j++) [sc[j], m[j]] = scaleMinK4(bytes, at + 4, j);
  for (let i = 0; i < QK_K; i++) q[i] = quantQ4Q5(type, bytes, at, i);
  return { q, sc, m, d: f16(bytes, at), dmin: f16(bytes, at + 2), sub: 32 };
}

/** Values of `count` elements stored as `type` blocks (ggml's dequantize_row_q*_K, f32 arithmetic). */
export function dequantizeK(type: KQuantType, bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0; b < count / QK_K; b++) {
    const k = kBlockInts(type, bytes, b);
    for (let i = 0; i < QK_K; i++) {
      const s = Math.floor(i / k.sub);
      out[b * QK_K + i] = Math.fround(Math.fround(k.d * k.sc[s]) * k.q[i]) - Math.fround(k.dmin * k.m[s]);
    }
  }
  return out;
}

/**
 * Q8_K activations as ggml's quantize_row_q8_K_ref makes them (the x86 builds use it as is): per
 * 256 values, iscale = −127/max where max is the value of largest magnitude (the first such, sign
 * kept), q = round-half-even(iscale·x) clamped to 127, d = 1/iscale in f32.
 */
export function quantizeQ8K(x: ArrayLike<number>): { q: Int8Array; d: Float32Array } {
  const blocks = x.length / QK_K;
  const q = new Int8Array(x.length);
  const d = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let max = 0;
    let amax = 0;
    for (let j = 0; j < QK_K; j++) {
      const v = Math.fround(x[b * QK_K + j]);
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    if (amax === 0) continue;
    const iscale = Math.fround(-127 / max);
    for (let j = 0; j < QK_K; j++) q[b * QK_K + j] = Math.min(127, roundHalfEven(Math.fround(iscale * Math.fround(x[b * QK_K + j]))));
    d[b] = Math.fround(1 / iscale);
  }
  return { q, d };
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
