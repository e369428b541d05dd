// Random inputs for the kernel tests: seeded numbers and weights encoded in GGUF's byte layouts
// (written here independently of the engine's upload code, which the tests then exercise).
import type { Tensor } from '../../../server/src/model/types';
import type { WeightType } from '../../../server/src/gpu/gpuWeight';
import { f32ToF16Bits } from '../../../server/src/model/f16';
import { quantizeK } from '../../../scripts/testModels/kQuantize';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

export function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}

/** GGUF bytes of `values` in `type` (Q8_0 as llama.cpp's reference quantiser writes it; K-quants by scripts/testModels/kQuantize.ts). */
export function encodeTensor(name: string, type: WeightType, shape: number[], values: Float32Array): Tensor {
  const n = values.length;
  if (type === 'f32') return { name, type, shape, data: new Uint8Array(values.slice().buffer) };
  if (type === 'f16') {
    const h = new Uint16Array(n);
    for (let i = 0; i < n; i++) h[i] = f32ToF16Bits(values[i]);
    return { name, type, shape, data: new Uint8Array(h.buffer) };
  }
  if (type === 'q4_k' || type === 'q5_k' || type === 'q6_k') return { name, type, shape, data: quantizeK(type, values) };
  const data = new Uint8Array((n / 32) * 34);
  const view = new DataView(data.buffer);
  for (let b = 0; b < n / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j]));
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    view.setUint16(b * 34, f32ToF16Bits(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(b * 34 + 2 + j, Math.round(values[b * 32 + j] * id));
  }
  return { name, type, shape, data };
}

/** max |a-b| / (max |b| + tiny), for comparing a GPU result to its reference. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 1e-30;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}
