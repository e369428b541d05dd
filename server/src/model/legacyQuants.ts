// ggml's first 4- and 5-bit formats, Q4_0 and Q5_0, loaded as Q8_0 without loss.
//
// Both store blocks of 32 values with one f16 scale d and a signed integer per value:
// - Q4_0 (18 bytes): f16 d, qs[16]. Value j (< 16) is the low nibble of qs[j], value j + 16 its high
//   nibble; the integer is nibble − 8 (−8..7).
// - Q5_0 (22 bytes): f16 d, qh[4] (a little-endian u32), qs[16]. As Q4_0 with a fifth bit: bit j of
//   qh is the high bit of value j; the integer is q − 16 (−16..15).
// Q8_0 is the same block (32 values, one f16 scale) with the integer stored whole as an int8, so each
// block is rewritten as a Q8_0 block with the same scale bits and the same integers: the model's
// values are unchanged, and so are llama.cpp's CPU dot products (Q4_0·Q8_0 and Q5_0·Q8_0 sum the same
// integer products times the same two scales as Q8_0·Q8_0), so the Q8_0 kernels and their llama.cpp
// standard hold. The cost is memory: 34 bytes a block instead of 18 or 22.
// Q4_1 and Q5_1 add a per-block minimum (d·q + m), which no Q8_0 block can hold; they are refused.
import { f16BitsToF32 } from './f16';
import { Q8_BLOCK, Q8_BLOCK_BYTES } from './q8';

export type LegacyQuantType = 'q4_0' | 'q5_0';
export const legacyBlockBytes: Record<LegacyQuantType, number> = { q4_0: 18, q5_0: 22 };

/** The 32 signed integers of block `b`; the scale's f16 bits are the block's first two bytes. */
export function legacyBlockInts(type: LegacyQuantType, bytes: Uint8Array, b: number): Int8Array {
  const at = b * legacyBlockBytes[type];
  const out = new Int8Array(Q8_BLOCK);
  if (type === 'q4_0') {
    for (let j = 0; j < 16; j++) {
      const q = bytes[at + 2 + j];
      out[j] = (q & 0xf) - 8;
      out[j + 16] = (q >> 4) - 8;
    }
    return out;
  }
  const qh = (bytes[at + 2] | (bytes[at + 3] << 8) | (bytes[at + 4] << 16) | (bytes[at + 5] << 24)) >>> 0;
  for (let j = 0; j < 16; j++) {
    const q = bytes[at + 6 + j];
    out[j] = ((q & 0xf) | (((qh >>> j) & 1) << 4)) - 16;
    out[j + 16] = ((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16;
  }
  return out;
}

/** The tensor's values, as ggml's dequantize_row_q4_0/q5_0 computes them (d·q in f32). */
export function dequantizeLegacy(type: LegacyQuantType, bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0; b < count / Q8_BLOCK; b++) {
    const at = b * legacyBlockBytes[type];
    const d = f16BitsToF32(bytes[at] | (bytes[at + 1] << 8));
    const q = legacyBlockInts(type, bytes, b);
    for (let j = 0; j < Q8_BLOCK; j++) out[b * Q8_BLOCK + j] = d * q[j];
  }
  return out;
}

/** The same values as Q8_0 blocks: the scale's bits copied, each integer stored as an int8. */
export function legacyAsQ8_0(type: LegacyQuantType, bytes: Uint8Array, count: number): Uint8Array {
  const blocks = count / Q8_BLOCK;
  const out = new Uint8Array(blocks * Q8_BLOCK_BYTES);
  for (let b = 0; b < blocks; b++) {
    const at = b * legacyBlockBytes[type];
    out[b * Q8_BLOCK_BYTES] = bytes[at];
    out[b * Q8_BLOCK_BYTES + 1] = bytes[at + 1];
    out.set(new Uint8Array(legacyBlockInts(type, bytes, b).buffer), b * Q8_BLOCK_BYTES + 2);
  }
  return out;
}
