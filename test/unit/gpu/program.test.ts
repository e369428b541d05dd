// The kernel-program layer (server/src/gpu/program.ts): the WGSL declarations and the bind-group layout
// it derives agree with the declaration and with each other (Dawn rejects a pipeline whose layout
// does not match its shader, so every family's variants are created under a validation scope), named
// uniforms land at their fields' offsets and a wrong one throws, bindings go by name, and a real
// family created through the layer equals its CPU reference on the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readBack, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import { declarationsWgsl, layoutEntries, program, programKey, storage, type ProgramDecl } from '../../../server/src/gpu/program';
import { rmsNormProgram, rmsNormUniform, encodeRmsNorm } from '../../../server/src/gpu/rmsNorm';
import { swigluProgram } from '../../../server/src/gpu/swiglu';
import { ropeProgram } from '../../../server/src/gpu/rope';
import { embeddingProgram } from '../../../server/src/gpu/embedding';
import { matmulProgram } from '../../../server/src/gpu/matmul';
import { causalAttentionProgram } from '../../../server/src/gpu/attention/causalAttention';
import { mergeByLseProgram, prefixAttentionProgram } from '../../../server/src/gpu/attention/hydragenAttention';
import { perSequenceAttentionProgram } from '../../../server/src/gpu/attention/baselineAttention';
import { kvStoreProgram } from '../../../server/src/gpu/attention/kvStore';
import { f32ToF16Bits } from '../../../server/src/model/f16';
import { rmsNormRef } from '../../helpers/reference/kernels';
import { maxRelDiff, randomF32 } from './randomTensors';

/** Every family, a variant or two each (the tree-attention ones need subgroups). */
function families(subgroups: boolean): ProgramDecl[] {
  const list: ProgramDecl[] = [
    rmsNormProgram('f32'), rmsNormProgram('f16'), rmsNormProgram('both'),
    swigluProgram('f32'), swigluProgram('f16'), ropeProgram, embeddingProgram('q8_0'), embeddingProgram('q6_k'),
    matmulProgram({ type: 'q8_0', rows: 4, subgroups: false, lanes: 8 }), matmulProgram({ type: 'q4_k', rows: 1, subgroups: false, lanes: 8 }),
    causalAttentionProgram, mergeByLseProgram(64), kvStoreProgram('f16'),
  ];
  if (subgroups) list.push(prefixAttentionProgram(64, 2, 'f16'), perSequenceAttentionProgram(64, 4), matmulProgram({ type: 'f16', rows: 1, subgroups: true, lanes: 8, broadcast: true }));
  return list;
}

const kindOf = { uniform: 'uniform', 'read-only-storage': 'storage, read', storage: 'storage, read_write' } as const;

test('the generated declarations and the bind-group layout agree with the declaration', async () => {
  const { device, caps } = await getGpu();
  for (const decl of families(caps.subgroups)) {
    const lines = declarationsWgsl(decl).split('\n').filter((l) => l.startsWith('@group'));
    const entries = layoutEntries(decl);
    const names = ['p', ...Object.keys(decl.bindings)];
    assert.equal(lines.length, names.length, programKey(decl));
    assert.equal(entries.length, names.length, programKey(decl));
    lines.forEach((line, i) => {
      const m = /^@group\(0\) @binding\((\d+)\) var<([^>]+)> (\w+): (.+);$/.exec(line);
      assert.ok(m, line);
      assert.equal(Number(m[1]), i, line);
      assert.equal(entries[i].binding, i);
      assert.equal(m[2], kindOf[entries[i].buffer!.type!], `${programKey(decl)}: ${line} vs layout ${entries[i].buffer!.type}`);
      assert.equal(m[3], names[i], line);
      assert.equal(m[4], i === 0 ? 'P' : `array<${decl.bindings[names[i]].type}>`, line);
    });
    // Dawn validates the layout against what the shader declares and uses.
    device.pushErrorScope('validation');
    program(device, decl);
    const error = await device.popErrorScope();
    assert.equal(error, null, `${programKey(decl)}: ${error?.message}`);
  }
});

const probe = {
  family: 'uniformProbe',
  uniforms: { a: 'u32', b: 'i32', c: 'f32' },
  bindings: { out: storage('u32'), extra: { kind: 'read', type: 'u32', optional: true } },
  body: () => `
@compute @workgroup_size(1)
fn main() { out[0] = p.a; out[1] = bitcast<u32>(p.b); out[2] = bitcast<u32>(p.c); out[3] = arrayLength(&extra); }`,
} as const;

test('named uniforms land at their fields; a missing, unknown or unrepresentable field throws', async () => {
  const { device } = await getGpu();
  const kernel = program(device, probe);
  const arena = new UniformArena(device);
  const out = createStorage(device, 'out', 16);
  const enc = device.createCommandEncoder();
  // `extra` is optional: left out, the layer binds its 16-byte dummy (4 u32).
  kernel.encode(enc, kernel.uniform(arena, { a: 4000000000, b: -7, c: 1.5 }), { out }, 1);
  arena.flush();
  device.queue.submit([enc.finish()]);
  const got = new DataView(await readBack(device, out, 0, 16));
  assert.deepEqual([got.getUint32(0, true), got.getInt32(4, true), got.getFloat32(8, true), got.getUint32(12, true)], [4000000000, -7, 1.5, 4]);

  const bad = (values: Record<string, number>) => () => kernel.uniform(arena, values as { a: number; b: number; c: number });
  assert.throws(bad({ a: 1, b: 2 }), /field c is missing/);
  assert.throws(bad({ a: 1, b: 2, c: 3, d: 4 }), /field d is not declared/);
  assert.throws(bad({ a: -1, b: 2, c: 3 }), /a = -1 is not a u32/);
  assert.throws(bad({ a: 1.5, b: 2, c: 3 }), /a = 1.5 is not a u32/);
  assert.throws(bad({ a: 1, b: 2 ** 31, c: 3 }), /is not a i32/);
  const u = kernel.uniform(arena, { a: 1, b: 2, c: 3 });
  const enc2 = device.createCommandEncoder();
  assert.throws(() => kernel.encode(enc2, u, {}, 1), /binding out is missing/);
  assert.throws(() => kernel.encode(enc2, u, { out, y: out } as { out: GPUBuffer }, 1), /no binding y/);
});

test('rmsNorm created through the layer equals its CPU reference (f32 rows and f16 pairs)', async () => {
  const { device } = await getGpu();
  const kernel = program(device, rmsNormProgram('both'));
  const arena = new UniformArena(device);
  const [rows, dim] = [3, 96];
  const x = randomF32(rows * dim, 11, 3);
  const w = randomF32(dim, 12, 1);
  const y = createStorage(device, 'y', x.byteLength);
  const h = createStorage(device, 'h', x.length * 2);
  const enc = device.createCommandEncoder();
  encodeRmsNorm(enc, kernel, rmsNormUniform(arena, { rows, dim, eps: 1e-5 }), rows, uploadStorage(device, 'x', x), uploadStorage(device, 'w', w), { y, h });
  arena.flush();
  device.queue.submit([enc.finish()]);
  const ref = rmsNormRef(x, rows, w, 1e-5);
  const got = await readF32(device, y, x.length);
  assert.ok(maxRelDiff(got, ref) < 1e-6, `max rel diff ${maxRelDiff(got, ref)}`);
  // The f16 pairs are the kernel's own f32 results rounded to nearest even.
  assert.deepEqual(Array.from(new Uint16Array(await readBack(device, h, 0, x.length * 2))), Array.from(got, f32ToF16Bits));
});
