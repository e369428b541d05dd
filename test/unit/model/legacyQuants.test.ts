// Q4_0/Q5_0 blocks written byte by byte here from ggml's documented layout (not by the test-model
// quantiser), their rewrite as Q8_0 blocks, and the quantiser's round trip. Whole files against
// llama.cpp, which reads these formats natively, are in test/integration/engine/llamaCppLogits.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizeLegacy, legacyAsQ8_0, legacyBlockBytes } from '../../../server/src/model/legacyQuants';
import { dequantizeQ8_0 } from '../../../server/src/model/q8';
import { quantizeLegacy } from '../../../scripts/testModels/legacyQuantize';

const HALF = 0x3800; // f16 0.5

test('Q4_0: value j is the low nibble of qs[j], value j+16 its high nibble, minus 8, times d', () => {
  const b = new Uint8Array(legacyBlockBytes.q4_0);
  b[0] = HALF & 0xff; b[1] = HALF >> 8;
  b[2 + 3] = 0x0f | (0x2 << 4); // value 3 → 15 − 8 = 7; value 19 → 2 − 8 = −6
  const v = dequantizeLegacy('q4_0', b, 32);
  assert.equal(v[3], 0.5 * 7);
  assert.equal(v[19], 0.5 * -6);
  assert.equal(v[0], 0.5 * -8);
});

test('Q5_0: bit j of the little-endian u32 qh is the fifth bit of value j, minus 16', () => {
  const b = new Uint8Array(legacyBlockBytes.q5_0);
  b[0] = HALF & 0xff; b[1] = HALF >> 8;
  b[2 + 0] = 1 << 5; // qh bit 5: value 5 gets +16
  b[2 + 3] = 1 << 4; // qh bit 28: value 28 (= 12 + 16) gets +16
  b[6 + 5] = 0x3; // value 5: 3 | 16 = 19 → 3
  b[6 + 12] = 0x9 << 4; // value 28: 9 | 16 = 25 → 9
  const v = dequantizeLegacy('q5_0', b, 32);
  assert.equal(v[5], 0.5 * 3);
  assert.equal(v[28], 0.5 * 9);
  assert.equal(v[12], 0.5 * -16);
});

test('the Q8_0 rewrite holds exactly the same values, with the same scale bits', () => {
  const x = Float32Array.from({ length: 32 * 9 }, (_, i) => Math.sin(i * 0.61) * (1 + (i % 5)) * (i % 97 === 0 ? 40 : 1));
  for (const type of ['q4_0', 'q5_0'] as const) {
    const q = quantizeLegacy(type, x);
    const q8 = legacyAsQ8_0(type, q, x.length);
    assert.deepEqual(dequantizeQ8_0(q8, x.length), dequantizeLegacy(type, q, x.length), type);
    for (let b = 0; b < x.length / 32; b++) {
      assert.equal(q8[b * 34] | (q8[b * 34 + 1] << 8), q[b * legacyBlockBytes[type]] | (q[b * legacyBlockBytes[type] + 1] << 8));
    }
  }
});

test('the quantiser round-trips within half a step, a step where ggml clamps, and keeps the largest value', () => {
  const x = Float32Array.from({ length: 32 * 16 }, (_, i) => Math.cos(i * 0.29) * (1 + (i % 11)));
  for (const [type, half] of [['q4_0', 8], ['q5_0', 16]] as const) {
    const y = dequantizeLegacy(type, quantizeLegacy(type, x), x.length);
    for (let s = 0; s < x.length; s += 32) {
      const block = Array.from(x.subarray(s, s + 32));
      const top = block.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0);
      const step = Math.abs(top) / half;
      // The largest magnitude maps to −half exactly (d = top / −half, rounded to f16).
      assert.ok(Math.abs(y[s + block.indexOf(top)] - top) <= Math.abs(top) * 2 ** -11, `${type} block ${s / 32}: ${y[s + block.indexOf(top)]} for ${top}`);
      for (let i = s; i < s + 32; i++) {
        // Values of the other sign near its magnitude need +half, one past the top integer: clamped.
        const clamped = Math.sign(x[i]) !== Math.sign(top) && Math.abs(x[i]) > step * (half - 0.5);
        const bound = (clamped ? step : step / 2) * (1 + 1e-3);
        assert.ok(Math.abs(y[i] - x[i]) <= bound, `${type} value ${i}: ${y[i]} for ${x[i]} (step ${step})`);
      }
    }
  }
});
