// Q8_0: blocks of 32 values, each stored as an f16 scale followed by 32 int8 (34 bytes), as in ggml.
// The server reads Q8_0 weights only on the GPU (model/weightUpload.ts, gpu/matmul.ts); the dequantiser
// here is their CPU reference. Test files are written by scripts/testModels/q8Quantize.ts.
import { f16BitsToF32 } from './f16';

export const Q8_BLOCK = 32;
export const Q8_BLOCK_BYTES = 34;

export function dequantizeQ8_0(data: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let b = 0; b < count / Q8_BLOCK; b++) {
    const d = f16BitsToF32(view.getUint16(b * Q8_BLOCK_BYTES, true));
    for (let j = 0; j < Q8_BLOCK; j++) out[b * Q8_BLOCK + j] = d * view.getInt8(b * Q8_BLOCK_BYTES + 2 + j);
  }
  return out;
}
