// llama.cpp's CPU backend rounds the activations to Q8_K super-blocks before a dot product with
// K-quant weights; the reference forward (cpuForward.ts) mimics it with this.
import { QK_K } from '../../../server/src/model/kQuants';

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
