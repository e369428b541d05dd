// RMSNorm, SwiGLU and RoPE (both modes) against their CPU references on random inputs of several shapes;
// the f16 pairs rmsNorm and swiglu write for F16 matmuls equal their f32 results rounded to nearest even.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readBack, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import type { OutputForms } from '../../../server/src/gpu/activationQuant';
import { f32ToF16Bits } from '../../../server/src/model/f16';
import { encodeRmsNorm, rmsNormKernel, rmsNormUniform } from '../../../server/src/gpu/rmsNorm';
import { encodeSwiglu, swigluKernel, swigluUniform } from '../../../server/src/gpu/swiglu';
import { encodeRope, RopeTable, ropeKernel, ropeUniform } from '../../../server/src/gpu/rope';
import { maxRelDiff, randomF32 } from './randomTensors';
import { rmsNormRef, ropeRef, swigluRef } from '../../helpers/reference/kernels';

async function run(device: GPUDevice, arena: UniformArena, encode: (enc: GPUCommandEncoder) => void): Promise<void> {
  const enc = device.createCommandEncoder();
  encode(enc);
  arena.flush();
  device.queue.submit([enc.finish()]);
  arena.reset();
}

/**
 * The f16 pairs in `h`: each the rounding (to nearest even) of its value in `f32`, bit for bit, or with
 * `tolerance`, of a value within that relative distance of it (`f32` is then a reference the kernel's
 * own f32 result may differ from by that much, and near a rounding boundary either side is right).
 */
async function assertHalves(device: GPUDevice, h: GPUBuffer, f32: Float32Array, what: string, tolerance = 0): Promise<void> {
  const halves = new Uint16Array(await readBack(device, h, 0, f32.length * 2));
  const ok = (v: number, i: number) => [v, v * (1 - tolerance), v * (1 + tolerance)].some((u) => halves[i] === f32ToF16Bits(u));
  const bad = Array.from(f32).findIndex((v, i) => !ok(v, i));
  assert.equal(bad, -1, `${what}: element ${bad} is ${halves[bad]?.toString(16)}, ${f32[bad]} rounds to ${f32ToF16Bits(f32[bad] ?? 0).toString(16)}`);
}

for (const forms of ['f32', 'f16', 'both'] as OutputForms[]) {
  test(`rmsNorm equals the CPU reference (writing ${forms})`, async () => {
    const { device } = await getGpu();
    const arena = new UniformArena(device);
    const kernel = rmsNormKernel(device, forms);
    // Odd dims only where no f16 pairs are written (they feed F16 matmuls, whose K is whole units of 8).
    for (const [rows, dim] of forms === 'f32' ? [[1, 32], [5, 200], [9, 1024], [3, 13]] : [[1, 32], [5, 200], [9, 1024]]) {
      const x = randomF32(rows * dim, rows + dim, 4);
      const w = randomF32(dim, dim, 1);
      const y = createStorage(device, 'y', x.byteLength);
      const h = createStorage(device, 'h', x.length * 2);
      const out = { y: forms === 'f16' ? undefined : y, h: forms === 'f32' ? undefined : h };
      await run(device, arena, (enc) => encodeRmsNorm(enc, kernel, rmsNormUniform(arena, { rows, dim, eps: 1e-5 }), rows, uploadStorage(device, 'x', x), uploadStorage(device, 'w', w), out));
      const ref = rmsNormRef(x, rows, w, 1e-5);
      if (out.y) {
        const got = await readF32(device, y, x.length);
        const err = maxRelDiff(got, ref);
        assert.ok(err < 1e-6, `rows=${rows} dim=${dim}: ${err}`);
        // Both forms from one kernel: the pairs are exactly its f32 output rounded.
        if (out.h) await assertHalves(device, h, got, `rows=${rows} dim=${dim}`);
      } else {
        // f16 only: the reference rounded, the kernel's f32 being within 1e-6 of it (as above).
        await assertHalves(device, h, ref, `rows=${rows} dim=${dim}`, 1e-6);
      }
    }
  });

  test(`swiglu equals the CPU reference (writing ${forms})`, async () => {
    const { device } = await getGpu();
    const arena = new UniformArena(device);
    const kernel = swigluKernel(device, forms);
    for (const n of forms === 'f32' ? [1, 77, 4096] : [8, 88, 4096]) {
      const g = randomF32(n, n, 8);
      const u = randomF32(n, n + 1, 2);
      const gb = uploadStorage(device, 'g', g);
      const h = createStorage(device, 'h', n * 2);
      await run(device, arena, (enc) => encodeSwiglu(enc, kernel, swigluUniform(arena, n), n, gb, uploadStorage(device, 'u', u), forms === 'f32' ? undefined : h));
      const ref = swigluRef(g, u);
      const got = await readF32(device, gb, n);
      if (forms === 'f16') {
        assert.deepEqual(got, g, 'gate is left as it was');
        await assertHalves(device, h, ref, `n=${n}`, 1e-6);
        continue;
      }
      const err = maxRelDiff(got, ref);
      assert.ok(err < 1e-6, `n=${n}: ${err}`);
      if (forms === 'both') await assertHalves(device, h, got, `n=${n}`);
    }
  });
}

test('rope (norm and neox) equals the CPU reference at scattered positions', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  const kernel = ropeKernel(device);
  for (const mode of ['norm', 'neox'] as const) {
    for (const [heads, headDim, base] of [[2, 16, 10000], [3, 64, 1000000], [1, 256, 10000]]) {
      const positions = Uint32Array.from([0, 1, 2, 63, 700, 5]);
      const rows = positions.length;
      const x = randomF32(rows * heads * headDim, heads * headDim, 1);
      const table = new RopeTable(device, headDim, base);
      const xb = uploadStorage(device, 'x', x);
      await run(device, arena, (enc) => encodeRope(enc, kernel, ropeUniform(arena, rows, heads, headDim, mode), rows, heads, headDim, uploadStorage(device, 'pos', positions), table.ensure(700), xb));
      const err = maxRelDiff(await readF32(device, xb, x.length), ropeRef(x, positions, heads, headDim, base, mode));
      // f32 angles at position 700 carry ~700·2^-24 of absolute error, as llama.cpp's do.
      assert.ok(err < 1e-4, `${mode} heads=${heads} hd=${headDim}: ${err}`);
    }
  }
});
