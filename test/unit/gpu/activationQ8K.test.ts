// The GPU's Q8_K rounding of activations (before K-quant matmuls) against ggml's
// quantize_row_q8_K_ref as written in model/kQuants.ts (quantizeQ8K, which the CPU reference forward
// uses to match llama.cpp's K-quant dot products), quant for quant and scale for scale, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readBack, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import { encodeToQ8K, toQ8KKernel, toQ8KUniform } from '../../../server/src/gpu/activationQuant';
import { QK_K, quantizeQ8K } from '../../../server/src/model/kQuants';
import { randomF32 } from './randomTensors';

test('activation rounding to Q8_K equals ggml\'s reference bit for bit', async () => {
  const { device } = await getGpu();
  const kernel = toQ8KKernel(device);
  const arena = new UniformArena(device);
  const x = randomF32(QK_K * 9, 21, 2);
  x.fill(0, QK_K, 2 * QK_K); // an all-zero block: d = 0
  // Block 2: the largest magnitude twice, negative first: it sets iscale = −127/max, so it is −127.
  x[2 * QK_K + 7] = -9.5;
  x[2 * QK_K + 100] = 9.5;
  // Block 3: max 127, so iscale = −1: ties of −x land on even.
  x.fill(0.01, 3 * QK_K, 4 * QK_K);
  x[3 * QK_K + 3] = 127;
  x[3 * QK_K + 4] = 0.5;
  x[3 * QK_K + 5] = 1.5;
  x[3 * QK_K + 6] = -2.5;
  const xb = uploadStorage(device, 'x', x);
  const qb = createStorage(device, 'q', x.length);
  const db = createStorage(device, 'd', (x.length / QK_K) * 4);
  const enc = device.createCommandEncoder();
  encodeToQ8K(enc, kernel, toQ8KUniform(arena, x.length), xb, qb, db, x.length);
  arena.flush();
  device.queue.submit([enc.finish()]);
  const got = new Int8Array(await readBack(device, qb, 0, x.length));
  const { q, d } = quantizeQ8K(x);
  const bad = [...got.keys()].filter((i) => got[i] !== q[i]);
  assert.deepEqual(bad.slice(0, 8).map((i) => [i, x[i], got[i], q[i]]), []);
  assert.deepEqual(Array.from(await readF32(device, db, x.length / QK_K)), Array.from(d));
  assert.deepEqual([q[2 * QK_K + 7], q[2 * QK_K + 100]], [-127, 127]);
  assert.deepEqual([q[3 * QK_K + 4], q[3 * QK_K + 5], q[3 * QK_K + 6]], [0, -2, 2]);
});
