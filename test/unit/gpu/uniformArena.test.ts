// The uniform arena across its block boundary: one command buffer with more dispatches than a block
// has slots, each reading its own slot. (A single buffer grown mid-forward destroyed the slots bound
// before it: a forward of more than 63 dispatches failed on its first run.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createKernel, createStorage, dispatch, readBack, UniformArena } from '../../../server/src/gpu/kernel';

const code = `
struct P { value: u32, index: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1)
fn main() { out[p.index] = p.value; }`;

test('every dispatch of a command buffer reads its own uniform slot, past the first block of slots too', async () => {
  const { device } = await getGpu();
  const kernel = createKernel(device, 'arenaProbe', code, ['uniform', 'storage']);
  const arena = new UniformArena(device);
  const out = createStorage(device, 'out', 600 * 4);
  for (const count of [600, 300]) {
    arena.reset();
    const enc = device.createCommandEncoder();
    for (let i = 0; i < count; i++) dispatch(enc, device, kernel, [arena.alloc([1000 * count + i, i]), out], 1);
    arena.flush();
    device.queue.submit([enc.finish()]);
    const got = new Uint32Array(await readBack(device, out, 0, count * 4));
    assert.deepEqual(Array.from(got), Array.from({ length: count }, (_, i) => 1000 * count + i));
  }
});
