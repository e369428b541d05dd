// The K-quant CPU reference on super-blocks written byte by byte here from ggml's documented layout
// (not by scripts/testModels/kQuantize.ts's quantiser), and the quantiser's round trip. Its agreement with llama.cpp on
// whole files is in test/integration/llamacpp/cpuForward.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizeK, kBlockBytes, quantizeQ8K } from '../../../server/src/model/kQuants';
import { quantizeK } from '../../../scripts/testModels/kQuantize';

const ONE = 0x3c00; // f16 1.0
const HALF = 0x3800; // f16 0.5

test('Q4_K: value = d·sc·q − dmin·m, with 6-bit scales split for sub-blocks 4..7', () => {
  const b = new Uint8Array(kBlockBytes.q4_k);
  b[0] = ONE & 0xff; b[1] = ONE >> 8; // d = 1
  b[2] = HALF & 0xff; b[3] = HALF >> 8; // dmin = 0.5
  // Sub-block 0: sc 3, m 2. Sub-block 5: sc 37 = 0b100101 (low 4 bits 5 in s[9], high 2 bits in s[1]'s top),
  // m 18 = 0b010010 (low 4 bits 2 in s[9]'s high nibble, high 2 bits in s[5]'s top).
  b[4 + 0] = 3; b[4 + 4] = 2;
  b[4 + 9] = 5 | (2 << 4);
  b[4 + 1] |= (37 >> 4) << 6;
  b[4 + 5] |= (18 >> 4) << 6;
  // Value 1 of sub-block 0: low nibble of qs[1] = 7. Value 2 of sub-block 5 (chunk 2, high nibbles): qs[64 + 2] >> 4 = 9.
  b[16 + 1] = 7;
  b[16 + 64 + 2] = 9 << 4;
  const v = dequantizeK('q4_k', b, 256);
  assert.equal(v[1], 1 * 3 * 7 - 0.5 * 2);
  assert.equal(v[0], -0.5 * 2);
  assert.equal(v[5 * 32 + 2], 37 * 9 - 0.5 * 18);
});

test('Q5_K: the fifth bit of value l of sub-block j is bit j of qh[l]', () => {
  const b = new Uint8Array(kBlockBytes.q5_k);
  b[0] = ONE & 0xff; b[1] = ONE >> 8;
  b[4 + 3] = 1; // sub-block 3: sc 1, m 0
  b[16 + 4] = 1 << 3; // qh[4] bit 3: value 4 of sub-block 3 gets +16
  b[48 + 32 * 1 + 4] = 2 << 4; // chunk 1, high nibble: sub-block 3, value 4 → 2
  const v = dequantizeK('q5_k', b, 256);
  assert.equal(v[3 * 32 + 4], 18);
  assert.equal(v[2 * 32 + 4], 0);
});

test('Q6_K: value = d·sc·(q − 32), q split over ql nibbles and qh bit pairs, one int8 scale per 16', () => {
  const b = new Uint8Array(kBlockBytes.q6_k);
  b[208] = HALF & 0xff; b[209] = HALF >> 8; // d = 0.5
  // Value 128 + 64 + 17: half 1, quarter 2, l 17 → ql[64 + 0 + 17] high nibble, qh[32 + 17] bits 4-5, scale[8 + 1 + 4].
  b[64 + 17] = 0xa << 4;
  b[128 + 32 + 17] = 3 << 4;
  b[192 + 13] = 0xfd; // −3
  const v = dequantizeK('q6_k', b, 256);
  assert.equal(v[128 + 64 + 17], 0.5 * -3 * ((0xa | (3 << 4)) - 32));
});

test('the quantiser round-trips within its step for every type', () => {
  const x = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
  for (const [type, levels] of [['q4_k', 15], ['q5_k', 31], ['q6_k', 63]] as const) {
    const y = dequantizeK(type, quantizeK(type, x), x.length);
    for (let s = 0; s < x.length; s += 32) {
      const sub = x.subarray(s, s + 32);
      // The 6-bit scales (Q4_K/Q5_K) and int8 scales (Q6_K) coarsen the step by up to a few percent.
      const step = (Math.max(...sub, 0) - Math.min(...sub, 0)) / levels;
      for (let i = s; i < s + 32; i++) assert.ok(Math.abs(y[i] - x[i]) <= step, `${type} value ${i}: ${y[i]} for ${x[i]} (step ${step})`);
    }
  }
});

test('Q8_K activations: the value of largest magnitude maps to −127 and d carries its sign', () => {
  const x = new Float32Array(256).fill(0.25);
  x[7] = 2;
  const { q, d } = quantizeQ8K(x);
  assert.equal(q[7], -127);
  assert.equal(d[0], Math.fround(1 / Math.fround(-127 / 2)));
  assert.equal(q[0], Math.round(-127 / 8));
});
