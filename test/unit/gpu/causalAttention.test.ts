import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import { causalAttentionKernel, causalAttentionUniform, encodeCausalAttention } from '../../../server/src/gpu/attention/causalAttention';
import { maxRelDiff, randomF32 } from './randomTensors';
import { causalAttentionRef } from '../../helpers/reference/kernels';

// Prefill (rows at 0..n-1) and decode (one row at the end of a filled cache), MHA and GQA.
const cases = [
  { name: 'prefill MHA hd16', heads: 2, kvHeads: 2, headDim: 16, positions: [0, 1, 2, 3, 4, 5, 6] },
  { name: 'prefill GQA hd64', heads: 6, kvHeads: 2, headDim: 64, positions: Array.from({ length: 20 }, (_, i) => i) },
  { name: 'decode GQA hd128', heads: 4, kvHeads: 1, headDim: 128, positions: [90] },
  { name: 'continued prefill hd48', heads: 2, kvHeads: 1, headDim: 48, positions: [30, 31, 32] },
  { name: 'decode MHA hd256 over several key blocks', heads: 2, kvHeads: 2, headDim: 256, positions: [70] },
];

test('causal attention over a KV cache equals the CPU reference', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  for (const c of cases) {
    const rows = c.positions.length;
    const ctx = c.positions[rows - 1] + 1;
    const q = randomF32(rows * c.heads * c.headDim, ctx, 2);
    const k = randomF32(ctx * c.kvHeads * c.headDim, ctx + 1, 2);
    const v = randomF32(ctx * c.kvHeads * c.headDim, ctx + 2, 1);
    const out = createStorage(device, 'out', q.byteLength);
    const enc = device.createCommandEncoder();
    encodeCausalAttention(enc, causalAttentionKernel(device), causalAttentionUniform(arena, rows, c.heads, c.kvHeads, c.headDim), rows, c.heads, {
      positions: uploadStorage(device, 'pos', Uint32Array.from(c.positions)),
      q: uploadStorage(device, 'q', q),
      kCache: uploadStorage(device, 'k', k),
      vCache: uploadStorage(device, 'v', v),
      out,
    });
    arena.flush();
    arena.reset();
    device.queue.submit([enc.finish()]);
    const err = maxRelDiff(await readF32(device, out, q.length), causalAttentionRef(q, k, v, c.positions, c.heads, c.kvHeads, c.headDim));
    assert.ok(err < 1e-5, `${c.name}: ${err}`);
  }
});
