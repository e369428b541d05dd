// RMSNorm, SwiGLU and RoPE (both modes) against their CPU references on random inputs of several shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/kernel';
import { createRmsNormKernel, encodeRmsNorm, rmsNormRef, rmsNormUniform } from '../../../server/src/gpu/rmsNorm';
import { createSwigluKernel, encodeSwiglu, swigluRef } from '../../../server/src/gpu/swiglu';
import { createRopeKernel, encodeRope, RopeTable, ropeRef, ropeUniform } from '../../../server/src/gpu/rope';
import { maxRelDiff, randomF32 } from './randomTensors';

async function run(device: GPUDevice, arena: UniformArena, encode: (enc: GPUCommandEncoder) => void): Promise<void> {
  const enc = device.createCommandEncoder();
  encode(enc);
  arena.flush();
  device.queue.submit([enc.finish()]);
  arena.reset();
}

test('rmsNorm equals the CPU reference', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  const kernel = createRmsNormKernel(device);
  for (const [rows, dim] of [[1, 32], [5, 200], [9, 1024]]) {
    const x = randomF32(rows * dim, rows + dim, 4);
    const w = randomF32(dim, dim, 1);
    const y = createStorage(device, 'y', x.byteLength);
    await run(device, arena, (enc) => encodeRmsNorm(enc, device, kernel, arena.alloc(rmsNormUniform(rows, dim, 1e-5)), rows, uploadStorage(device, 'x', x), uploadStorage(device, 'w', w), y));
    const err = maxRelDiff(await readF32(device, y, x.length), rmsNormRef(x, rows, w, 1e-5));
    assert.ok(err < 1e-6, `rows=${rows} dim=${dim}: ${err}`);
  }
});

test('swiglu equals the CPU reference', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  const kernel = createSwigluKernel(device);
  for (const n of [1, 77, 4096]) {
    const g = randomF32(n, n, 8);
    const u = randomF32(n, n + 1, 2);
    const gb = uploadStorage(device, 'g', g);
    await run(device, arena, (enc) => encodeSwiglu(enc, device, kernel, arena.alloc([n]), n, gb, uploadStorage(device, 'u', u)));
    const err = maxRelDiff(await readF32(device, gb, n), swigluRef(g, u));
    assert.ok(err < 1e-6, `n=${n}: ${err}`);
  }
});

test('rope (norm and neox) equals the CPU reference at scattered positions', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  const kernel = createRopeKernel(device);
  for (const mode of ['norm', 'neox'] as const) {
    for (const [heads, headDim, base] of [[2, 16, 10000], [3, 64, 1000000], [1, 256, 10000]]) {
      const positions = Uint32Array.from([0, 1, 2, 63, 700, 5]);
      const rows = positions.length;
      const x = randomF32(rows * heads * headDim, heads * headDim, 1);
      const table = new RopeTable(device, headDim, base);
      const xb = uploadStorage(device, 'x', x);
      await run(device, arena, (enc) => encodeRope(enc, device, kernel, arena.alloc(ropeUniform(rows, heads, headDim, mode)), rows, heads, headDim, uploadStorage(device, 'pos', positions), table.ensure(700), xb));
      const err = maxRelDiff(await readF32(device, xb, x.length), ropeRef(x, positions, heads, headDim, base, mode));
      // f32 angles at position 700 carry ~700·2^-24 of absolute error, as llama.cpp's do.
      assert.ok(err < 1e-4, `${mode} heads=${heads} hd=${headDim}: ${err}`);
    }
  }
});
