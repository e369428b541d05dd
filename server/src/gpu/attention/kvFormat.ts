// How the KV pool stores keys and values: f32, or f16 (half the memory, so twice the tokens in a
// budget). f16 is stored as packed u32 pairs — a vec4 of the head row as vec2<u32> — read with
// unpack2x16float (core WGSL) and accumulated in f32; rounding to f16 happens once, in the kv store,
// round-to-nearest-even spelled out (WGSL leaves pack2x16float's rounding direction to the device).
export type KvType = 'f32' | 'f16';

export function kvBytesPerValue(type: KvType): number {
  return type === 'f16' ? 2 : 4;
}

/** WGSL pieces for a kernel reading the pool: its element type and the load of one vec4<f32>. */
export function kvRead(type: KvType): { elem: string; load(expr: string): string; helpers: string } {
  if (type === 'f32') return { elem: 'vec4<f32>', load: (e) => e, helpers: '' };
  return {
    elem: 'vec2<u32>',
    load: (e) => `kvUnpack(${e})`,
    helpers: 'fn kvUnpack(p: vec2<u32>) -> vec4<f32> { return vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y)); }\n',
  };
}

/** WGSL of `kvPack(v: vec4<f32>) -> vec2<u32>`: each lane rounded to f16, nearest even (as llama.cpp and f32ToF16Bits). */
export const KV_PACK_WGSL = `fn kvHalf(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let sign = (b >> 16u) & 0x8000u;
  let a = b & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7e00u; }
  if (a >= 0x477ff000u) { return sign | 0x7c00u; }
  if (a < 0x38800000u) { return sign | u32(round(bitcast<f32>(a) * 16777216.0)); }
  return sign | ((a - 0x38000000u + 0xfffu + ((a >> 13u) & 1u)) >> 13u);
}
fn kvPack(v: vec4<f32>) -> vec2<u32> {
  return vec2<u32>(kvHalf(v.x) | (kvHalf(v.y) << 16u), kvHalf(v.z) | (kvHalf(v.w) << 16u));
}
`;
