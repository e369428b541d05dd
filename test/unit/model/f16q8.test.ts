import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f16BitsToF32, f32ToF16Bits } from '../../../server/src/model/f16';
import { dequantizeQ8_0 } from '../../../server/src/model/q8';
import { quantizeQ8_0 } from '../../../scripts/testModels/q8Quantize';

test('every finite f16 value survives f16 → f32 → f16', () => {
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00) continue;
    assert.equal(f32ToF16Bits(f16BitsToF32(h)), h, `bits ${h.toString(16)}`);
  }
});

test('f32 → f16 rounds to the nearest f16, ties to even', () => {
  // Between consecutive f16 values a and b: below the midpoint goes to a, above to b, and the exact
  // midpoint to whichever has an even mantissa.
  for (const h of [0x0001, 0x03ff, 0x3c00, 0x3c01, 0x4bff, 0x7bfe, 0x8400, 0xbc03]) {
    const a = f16BitsToF32(h);
    const b = f16BitsToF32(h + 1);
    const mid = (a + b) / 2;
    assert.equal(f32ToF16Bits(a + (b - a) * 0.25), h);
    assert.equal(f32ToF16Bits(a + (b - a) * 0.75), h + 1);
    assert.equal(f32ToF16Bits(mid), h % 2 === 0 ? h : h + 1);
  }
  assert.equal(f32ToF16Bits(1e6), 0x7c00, 'overflow gives infinity');
  assert.equal(f32ToF16Bits(-1e-9), 0x8000, 'underflow keeps the sign');
});

test('Q8_0 keeps each value within half a step of its block scale', () => {
  const n = 32 * 40;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 12.9898) * (1 + (i % 97)) * (i % 64 === 0 ? 0 : 1);
  const q = quantizeQ8_0(x);
  assert.equal(q.length, 40 * 34);
  const y = dequantizeQ8_0(q, n);
  for (let b = 0; b < 40; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const step = amax / 127;
    for (let j = 0; j < 32; j++) {
      const i = b * 32 + j;
      assert.ok(Math.abs(y[i] - x[i]) <= step * 0.5 + amax * 1e-3, `value ${i}: ${x[i]} → ${y[i]}`);
    }
  }
  assert.deepEqual(dequantizeQ8_0(quantizeQ8_0(new Float32Array(32)), 32), new Float32Array(32));
});
