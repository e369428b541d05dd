// WGSL shared by the kernels that read K-quant super-blocks as u32 words of `w` through `w_at` (a
// buffer or texels, program.ts; matmul, embedding): byte access, Q4_K/Q5_K's packed 6-bit scales, and
// one value by index (layouts in model/kQuants.ts).

export const BYTE_AT_WGSL = `
fn byteAt(base: u32, k: u32) -> u32 { return (w_at(base + k / 4u) >> (8u * (k % 4u))) & 0xffu; }`;

/** Sub-block j's 6-bit scale and min (Q4_K/Q5_K) from the 12 scale bytes `s` (words 1-3 of the block). */
export const K4_SCALES_WGSL = `
fn scaleByte(s: vec3<u32>, k: u32) -> u32 { return (s[k / 4u] >> (8u * (k % 4u))) & 0xffu; }
fn scaleMinOf(s: vec3<u32>, j: u32) -> vec2<f32> {
  if (j < 4u) { return vec2<f32>(f32(scaleByte(s, j) & 63u), f32(scaleByte(s, j + 4u) & 63u)); }
  let lo = scaleByte(s, j + 4u);
  return vec2<f32>(f32((lo & 0xfu) | ((scaleByte(s, j - 4u) >> 6u) << 4u)), f32((lo >> 4u) | ((scaleByte(s, j) >> 6u) << 4u)));
}`;

/** The same, read from the block at word `base` of `w` read as u32 words. */
export const K4_SCALE_MIN_WGSL = `${K4_SCALES_WGSL}
fn scaleMin(base: u32, j: u32) -> vec2<f32> { return scaleMinOf(vec3<u32>(w_at(base + 1u), w_at(base + 2u), w_at(base + 3u)), j); }`;

/** u32 words per super-block on the GPU (Q6_K padded to 212 bytes). */
export const kBlockWords = { q4_k: 36, q5_k: 44, q6_k: 53 } as const;

/** `fn kValue(i: u32) -> f32`: value i of a row-major matrix of whole super-blocks, as ggml dequantises it. */
export function kValueWgsl(type: 'q4_k' | 'q5_k' | 'q6_k'): string {
  if (type === 'q6_k') {
    return `${BYTE_AT_WGSL}
fn kValue(i: u32) -> f32 {
  let base = (i / 256u) * 53u;
  let e = i % 256u;
  let n = e >> 7u;
  let t = (e >> 5u) & 3u;
  let l = e & 31u;
  let lo = (byteAt(base, 64u * n + 32u * (t & 1u) + l) >> ((t >> 1u) * 4u)) & 0xfu;
  let hi = (byteAt(base, 128u + 32u * n + l) >> (2u * t)) & 3u;
  let sc = f32(bitcast<i32>(byteAt(base, 192u + 8u * n + l / 16u + 2u * t) << 24u) >> 24u);
  return (unpack2x16float(w_at(base + 52u)).x * sc) * f32(i32(lo | (hi << 4u)) - 32);
}`;
  }
  const q5 = type === 'q5_k';
  return `${BYTE_AT_WGSL}${K4_SCALE_MIN_WGSL}
fn kValue(i: u32) -> f32 {
  let base = (i / 256u) * ${kBlockWords[type]}u;
  let e = i % 256u;
  let j = e >> 5u;
  let l = e & 31u;
  var q = (byteAt(base, ${q5 ? 48 : 16}u + 32u * (e >> 6u) + l) >> (4u * (j & 1u))) & 0xfu;
  ${q5 ? 'q |= ((byteAt(base, 16u + l) >> j) & 1u) << 4u;' : ''}
  let dm = unpack2x16float(w_at(base));
  let sm = scaleMin(base, j);
  return (dm.x * sm.x) * f32(q) - dm.y * sm.y;
}`;
}
