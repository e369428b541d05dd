import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import { uploadWeight } from '../../../server/src/model/weightUpload';
import { isTexels, texelsReadable } from '../../../server/src/gpu/texels';
import { embeddingKernel, embeddingUniform, encodeEmbedding } from '../../../server/src/gpu/embedding';
import type { WeightType } from '../../../server/src/gpu/gpuWeight';
import { encodeTensor, randomF32 } from './randomTensors';
import { embeddingRef } from '../../helpers/reference/kernels';

test('embedding gathers f32/f16/q8_0/K-quant rows exactly as the CPU dequantiser does, from buffers and from texels', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  const cases = (['f32', 'f16', 'q8_0', 'q4_k', 'q5_k', 'q6_k'] as WeightType[]).flatMap((type) => (texelsReadable(type) ? [[type, false], [type, true]] as const : [[type, false]] as const));
  for (const [type, asTexels] of cases) {
    const k = type === 'q4_k' || type === 'q5_k' || type === 'q6_k';
    for (const [vocab, dim] of k ? [[37, 256], [61, 512]] : [[37, 32], [301, 96]]) {
      const table = encodeTensor('token_embd.weight', type, [vocab, dim], randomF32(vocab * dim, vocab + dim, 1.5));
      const tokens = Uint32Array.from([0, vocab - 1, 5, 5, 17, 2, 30]);
      // In parts of 10 rows: tables larger than one storage binding are split by rows.
      const w = uploadWeight(device, table, { maxPartBytes: 10 * (table.data.byteLength / vocab + (type === 'q6_k' ? (2 * dim) / 256 : 0)), texels: asTexels });
      assert.ok(w.parts.length > 1);
      assert.equal(isTexels(w.parts[0].data), asTexels);
      const out = createStorage(device, 'out', tokens.length * dim * 4);
      arena.reset();
      const enc = device.createCommandEncoder();
      const kernel = embeddingKernel(device, type, asTexels);
      const tokenBuffer = uploadStorage(device, 'tokens', tokens);
      for (const part of w.parts) {
        encodeEmbedding(enc, kernel, embeddingUniform(arena, tokens.length, dim, part), tokens.length, dim, tokenBuffer, part.data, part.scales, out);
      }
      arena.flush();
      device.queue.submit([enc.finish()]);
      assert.deepEqual(Array.from(await readF32(device, out, tokens.length * dim)), Array.from(embeddingRef(table, tokens)), `${type}${asTexels ? ' texels' : ''} ${vocab}×${dim}`);
    }
  }
});
