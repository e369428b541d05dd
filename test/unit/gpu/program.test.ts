// The kernel-program layer (server/src/gpu/program.ts): the WGSL declarations and the bind-group layout
// it derives agree with the declaration and with each other (Dawn rejects a pipeline whose layout
// does not match its shader, so every family's variants are created under a validation scope), named
// uniforms land at their fields' offsets and a wrong one throws, bindings go by name, and a real
// family created through the layer equals its CPU reference on the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readBack, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import { declarationsWgsl, layoutEntries, program, programKey, storage, texels, type ProgramDecl } from '../../../server/src/gpu/program';
import { createTexels, encodeCopyToTexels, TEXELS_PER_ROW, uploadTexels } from '../../../server/src/gpu/texels';
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
    swigluProgram('f32'), swigluProgram('f16'), ropeProgram, embeddingProgram('q8_0'), embeddingProgram('q6_k'), embeddingProgram('f16', true),
    matmulProgram({ type: 'q8_0', rows: 4, subgroups: false, lanes: 8 }), matmulProgram({ type: 'q4_k', rows: 1, subgroups: false, lanes: 8 }),
    matmulProgram({ type: 'q8_0', rows: 4, subgroups: false, lanes: 8, texels: true }),
    causalAttentionProgram, mergeByLseProgram(64), kvStoreProgram('f16'),
  ];
  if (subgroups) {
    list.push(prefixAttentionProgram(64, 2, 'f16'), perSequenceAttentionProgram(64, 4), matmulProgram({ type: 'f16', rows: 1, subgroups: true, lanes: 8, broadcast: true }));
    list.push(matmulProgram({ type: 'q8_0', rows: 1, subgroups: true, lanes: 8, broadcast: true, texels: true }));
  }
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
      assert.equal(entries[i].binding, i);
      if (i > 0 && decl.bindings[names[i]].kind === 'texels') {
        assert.equal(line, `@group(0) @binding(${i}) var ${names[i]}: texture_2d<u32>;`);
        assert.equal(entries[i].texture?.sampleType, 'uint', `${programKey(decl)}: ${line} vs a layout without a uint texture`);
        return;
      }
      const m = /^@group\(0\) @binding\((\d+)\) var<([^>]+)> (\w+): (.+);$/.exec(line);
      assert.ok(m, line);
      assert.equal(Number(m[1]), i, line);
      assert.equal(m[2], kindOf[entries[i].buffer!.type!], `${programKey(decl)}: ${line} vs layout ${entries[i].buffer!.type}`);
      assert.equal(m[3], names[i], line);
      assert.equal(m[4], i === 0 ? 'P' : `array<${decl.bindings[names[i]].type}>`, line);
    });
    // Every read and texels binding has its accessor.
    for (const [name, b] of Object.entries(decl.bindings)) {
      if (b.kind !== 'storage') assert.ok(declarationsWgsl(decl).includes(`fn ${name}_at(i: u32) -> ${b.type} {`), `${programKey(decl)}: no ${name}_at`);
    }
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

// Texels (server/src/gpu/texels.ts): data over more than one texture row, its length not a whole number
// of texels, read back through each element type's accessor, both when uploaded and when copied in
// from a buffer, equal the bytes put in; a binding given the wrong kind throws.
test('texels read through their accessors give back the bytes put in, as every element type', async () => {
  const { device } = await getGpu();
  const arena = new UniformArena(device);
  const bytes = TEXELS_PER_ROW * 16 + 5 * 16 + 8; // a row and 5.5 texels
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 131 + 7) & 255;
  const words = new Uint32Array(data.buffer);
  const uploaded = uploadTexels(device, 'uploaded', data);
  const copied = createTexels(device, 'copied', bytes + 8);
  const enc0 = device.createCommandEncoder();
  encodeCopyToTexels(enc0, uploadStorage(device, 'src', data.subarray(0, bytes - 8)), copied, bytes - 8);
  device.queue.submit([enc0.finish()]);
  assert.throws(() => encodeCopyToTexels(device.createCommandEncoder(), uploadStorage(device, 'src', data), copied, bytes - 4), /whole texels/);
  for (const [type, wordsPer] of [['u32', 1], ['f32', 1], ['vec2<u32>', 2], ['vec4<u32>', 4], ['vec4<f32>', 4]] as const) {
    const count = Math.floor(words.length / wordsPer);
    const store = wordsPer === 1 ? 'out[i] = bitcast<u32>(v);' : Array.from({ length: wordsPer }, (_, c) => `out[i * ${wordsPer}u + ${c}u] = bitcast<u32>(v[${c}]);`).join(' ');
    const kernel = program(device, {
      family: 'texelsProbe',
      variant: type.replace(/\W/g, ''),
      uniforms: { n: 'u32' },
      bindings: { src: texels(type), out: storage('u32') },
      body: () => `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) { let i = g.x; if (i >= p.n) { return; } let v = src_at(i); ${store} }`,
    });
    for (const [t, valid] of [[uploaded, count * wordsPer], [copied, Math.floor((words.length - 2) / wordsPer) * wordsPer]] as const) {
      const out = createStorage(device, 'out', words.length * 4);
      arena.reset();
      const enc = device.createCommandEncoder();
      kernel.encode(enc, kernel.uniform(arena, { n: valid / wordsPer }), { src: t, out }, Math.ceil(count / 64));
      arena.flush();
      device.queue.submit([enc.finish()]);
      const got = new Uint32Array(await readBack(device, out, 0, valid * 4));
      assert.deepEqual(Array.from(got), Array.from(words.subarray(0, valid)), `${t.label} as ${type}`);
    }
    const u = kernel.uniform(arena, { n: 1 });
    assert.throws(() => kernel.encode(device.createCommandEncoder(), u, { src: createStorage(device, 'b', 16) as never, out: createStorage(device, 'o', 16) }, 1), /binding src takes texels, given a buffer/);
  }
});
