// bfloat16 rounding for test files (the loader only widens: server/src/model/f16.ts widenBf16).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** `value` rounded to the nearest bfloat16, ties to even, as bits (ggml's GGML_FP32_TO_BF16). */
export function f32ToBf16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7fffffff) > 0x7f800000) return (x >>> 16) | 64; // NaN stays NaN (quiet)
  return ((x + (0x7fff + ((x >>> 16) & 1))) >>> 16) & 0xffff;
}
