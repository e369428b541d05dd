// The Q8_0 quantiser, for test files (the layout and the dequantiser, the CPU reference of the
// server's Q8_0 weights, are server/src/model/q8.ts).
import { HydrapatchError } from '../../src/protocol/errors';
import { f32ToF16Bits } from '../../server/src/model/f16';
import { Q8_BLOCK, Q8_BLOCK_BYTES } from '../../server/src/model/q8';

/** Quantises like ggml's quantize_row_q8_0_ref: scale = amax/127, values rounded half away from zero. */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_BLOCK !== 0) {
    throw new HydrapatchError('bad_shape', `Q8_0 needs a multiple of ${Q8_BLOCK} values, got ${values.length}`, 'Quantise only rows whose length is a multiple of 32 (keep others in F16/F32).');
  }
  const blocks = values.length / Q8_BLOCK;
  const out = new Uint8Array(blocks * Q8_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < Q8_BLOCK; j++) amax = Math.max(amax, Math.abs(values[b * Q8_BLOCK + j]));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * Q8_BLOCK_BYTES, f32ToF16Bits(d), true);
    for (let j = 0; j < Q8_BLOCK; j++) {
      const x = Math.fround(values[b * Q8_BLOCK + j] * id);
      view.setInt8(b * Q8_BLOCK_BYTES + 2 + j, Math.sign(x) * Math.round(Math.abs(x)));
    }
  }
  return out;
}
