import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../../server/src/model/load';
import { testModel } from '../../helpers/models';

test('BF16 safetensors are widened to F32 with the value each bf16 holds', async () => {
  const m = testModel({ weightType: 'f32' });
  const dir = mkdtempSync(join(tmpdir(), 'hp-bf16-'));
  try {
    const hf = join(dir, 'hf');
    cpSync(m.hfDir, hf, { recursive: true });
    const bytes = readFileSync(join(hf, 'model.safetensors'));
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    const dataStart = 8 + headerLen;
    // Rewrite every F32 tensor as BF16 by keeping the upper 16 bits (truncation), which a reader
    // that swaps byte order or halves wrongly would not turn back into nearly the same numbers.
    const parts: Buffer[] = [];
    let offset = 0;
    const out: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    for (const [name, e] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const f32 = bytes.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]);
      const bf = Buffer.alloc(f32.length / 2);
      for (let i = 0; i < bf.length / 2; i++) bf.writeUInt16LE(f32.readUInt32LE(4 * i) >>> 16, 2 * i);
      out[name] = { dtype: 'BF16', shape: e.shape, data_offsets: [offset, offset + bf.length] };
      offset += bf.length;
      parts.push(bf);
    }
    let json = JSON.stringify(out);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeFileSync(join(hf, 'model.safetensors'), Buffer.concat([len, Buffer.from(json), ...parts]));

    const original = await loadModel(m.hfDir);
    const widened = await loadModel(hf);
    for (const [name, t] of widened.tensors) {
      assert.equal(t.type, 'f32', name);
      const a = new Float32Array(original.tensors.get(name)!.data.slice().buffer);
      const b = new Float32Array(t.data.slice().buffer);
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) {
        // Truncating to 8 mantissa bits moves a value toward zero by less than 2^-7 of itself.
        assert.ok(Math.abs(b[i]) <= Math.abs(a[i]) && Math.abs(a[i] - b[i]) <= Math.abs(a[i]) * 2 ** -7, `${name}[${i}]: ${a[i]} → ${b[i]}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
