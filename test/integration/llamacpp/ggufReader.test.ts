import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGguf, readGgufTensorData } from '../../../server/src/model/gguf';
import { GGML_F16, GGML_F32, GGML_Q8_0 } from '../../../server/src/model/ggmlTypes';
import { type GgufMetaValue, writeGguf } from '../../../scripts/lib/ggufWriter';
import { testModel } from '../../helpers/models';

/** node-llama-cpp nests metadata by the dots of each key; flatten it back to GGUF keys. */
function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}

const normalise = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(normalise) : v);

async function compareWithNodeLlamaCpp(path: string): Promise<void> {
  const { readGgufFileInfo } = await import('node-llama-cpp');
  const theirs = await readGgufFileInfo(path, { logWarnings: false, sourceType: 'filesystem' });
  const ours = readGguf(path);
  assert.equal(ours.version, theirs.version);
  const theirMeta = flatten(theirs.metadata as unknown as Record<string, unknown>);
  assert.deepEqual([...ours.metadata.keys()].sort(), [...theirMeta.keys()].sort());
  for (const [key, value] of ours.metadata) assert.deepEqual(value, normalise(theirMeta.get(key)), key);
  const theirTensors = theirs.tensorInfo ?? [];
  assert.equal(ours.tensors.length, theirTensors.length);
  ours.tensors.forEach((t, i) => {
    const o = theirTensors[i];
    assert.equal(t.name, o.name);
    assert.deepEqual(t.dims, o.dimensions.map(Number));
    assert.equal(t.type, o.ggmlType);
    assert.equal(t.offset, Number(o.fileOffset), `${t.name} offset`);
  });
}

test('metadata of every value type, custom alignment and mixed tensor types read as node-llama-cpp reads them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-gguf-'));
  try {
    const path = join(dir, 'all-types.gguf');
    const metadata: Record<string, GgufMetaValue> = {
      'general.architecture': { type: 'string', value: 'llama' },
      'general.alignment': { type: 'u32', value: 64 },
      'test.u8': { type: 'u8', value: 200 },
      'test.i8': { type: 'i8', value: -100 },
      'test.u16': { type: 'u16', value: 60000 },
      'test.i16': { type: 'i16', value: -30000 },
      'test.u32': { type: 'u32', value: 4000000000 },
      'test.i32': { type: 'i32', value: -2000000000 },
      'test.f32': { type: 'f32', value: Math.fround(0.1) },
      'test.bool': { type: 'bool', value: true },
      'test.string': { type: 'string', value: 'héllo, wörld 🙂' },
      'test.u64': { type: 'u64', value: 2 ** 40 + 3 },
      'test.i64': { type: 'i64', value: -(2 ** 40) },
      'test.f64': { type: 'f64', value: Math.PI },
      'test.strings': { type: 'array', itemType: 'string', value: ['a', '', 'ccc'] },
      'test.floats': { type: 'array', itemType: 'f32', value: [1.5, -2.25, 0] },
      'test.ints': { type: 'array', itemType: 'i32', value: [1, -2, 3] },
      'test.bools': { type: 'array', itemType: 'bool', value: [true, false] },
    };
    const f32 = new Uint8Array(new Float32Array([1, 2, 3, 4, 5]).buffer);
    writeGguf(
      path,
      metadata,
      [
        { name: 'a', dims: [5], type: GGML_F32, data: f32 },
        { name: 'b', dims: [3, 2], type: GGML_F16, data: new Uint8Array(12) },
        { name: 'c', dims: [32, 3], type: GGML_Q8_0, data: new Uint8Array(3 * 34) },
      ],
      { alignment: 64 },
    );
    await compareWithNodeLlamaCpp(path);
    const file = readGguf(path);
    assert.deepEqual(file.metadata.get('test.string'), 'héllo, wörld 🙂');
    assert.equal(file.alignment, 64);
    assert.ok(file.tensors.every((t) => (t.offset - file.dataOffset) % 64 === 0));
    const data = await readGgufTensorData(file, file.tensors);
    assert.deepEqual([...new Float32Array(data.get('a')!.slice().buffer)], [1, 2, 3, 4, 5]);
    assert.equal(data.get('c')!.length, 102);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generated test models read as node-llama-cpp reads them', async () => {
  for (const spec of [{ vocab: 'gpt2' as const }, { vocab: 'spm' as const, weightType: 'q8_0' as const }]) {
    await compareWithNodeLlamaCpp(testModel(spec).gguf);
  }
});

