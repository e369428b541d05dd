// The uniform arena across its block boundary: one command buffer with more dispatches than a block
// has slots, each reading its own slot. (A single buffer grown mid-forward destroyed the slots bound
// before it: a forward of more than 63 dispatches failed on its first run.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readBack, UniformArena } from '../../../server/src/gpu/buffers';
import { program, storage } from '../../../server/src/gpu/program';

const probe = {
  family: 'arenaProbe',
  uniforms: { value: 'u32', index: 'u32' },
  bindings: { out: storage('u32') },
  body: () => `
@compute @workgroup_size(1)
fn main() { out[p.index] = p.value; }`,
} as const;

test('every dispatch of a command buffer reads its own uniform slot, past the first block of slots too', async () => {
  const { device } = await getGpu();
  const kernel = program(device, probe);
  const arena = new UniformArena(device);
  const out = createStorage(device, 'out', 600 * 4);
  for (const count of [600, 300]) {
    arena.reset();
    const enc = device.createCommandEncoder();
    for (let i = 0; i < count; i++) kernel.encode(enc, kernel.uniform(arena, { value: 1000 * count + i, index: i }), { out }, 1);
    arena.flush();
    device.queue.submit([enc.finish()]);
    const got = new Uint32Array(await readBack(device, out, 0, count * 4));
    assert.deepEqual(Array.from(got), Array.from({ length: count }, (_, i) => 1000 * count + i));
  }
});
