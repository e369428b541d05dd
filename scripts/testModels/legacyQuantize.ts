// Q4_0 and Q5_0 quantisers as ggml's quantize_row_q4_0_ref / q5_0_ref: per block of 32, d = the
// value of largest magnitude over −8 (−16), integers round(x/d) offset by 8 (16) and clamped. Test
// files only; the loader's reading of these blocks is server/src/model/legacyQuants.ts.
import { f32ToF16Bits } from '../../server/src/model/f16';
import { type LegacyQuantType, legacyBlockBytes } from '../../server/src/model/legacyQuants';

export function quantizeLegacy(type: LegacyQuantType, values: Float32Array): Uint8Array {
  const levels = type === 'q4_0' ? 16 : 32;
  const half = levels / 2;
  const blockBytes = legacyBlockBytes[type];
  const out = new Uint8Array((values.length / 32) * blockBytes);
  for (let b = 0; b < values.length / 32; b++) {
    const x = values.subarray(b * 32, b * 32 + 32);
    let max = 0;
    for (const v of x) if (Math.abs(v) > Math.abs(max)) max = v;
    const d = Math.fround(max / -half);
    const id = d ? Math.fround(1 / d) : 0;
    const at = b * blockBytes;
    const bits = f32ToF16Bits(d);
    out[at] = bits & 0xff;
    out[at + 1] = bits >> 8;
    // C's (int8_t)(x·id + offset + 0.5) truncates toward zero; the sum is ≥ 0 here.
    const q = Array.from(x, (v) => Math.min(levels - 1, Math.trunc(Math.fround(Math.fround(v * id) + half + 0.5))));
    const qs = at + (type === 'q4_0' ? 2 : 6);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      out[qs + j] = (q[j] & 0xf) | ((q[j + 16] & 0xf) << 4);
      qh |= ((q[j] >> 4) & 1) << j;
      qh |= ((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (type === 'q5_0') for (let k = 0; k < 4; k++) out[at + 2 + k] = (qh >>> (8 * k)) & 0xff;
  }
  return out;
}
