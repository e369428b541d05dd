import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HydrapatchError } from '../../../src/protocol/errors';
import { readGguf } from '../../../server/src/model/gguf';
import { type GgufWriteTensor, writeGguf } from '../../../scripts/lib/ggufWriter';
import { loadModel } from '../../../server/src/model/load';
import { writeSafetensors } from '../../../scripts/lib/safetensorsWriter';
import { testGgufParts } from '../../../scripts/testModels/randomModel';
import { testModel, testModelSpec } from '../../helpers/models';

const dir = mkdtempSync(join(tmpdir(), 'hp-badfiles-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const spec = testModelSpec({ vocabSize: 300, numLayers: 2 });
const good = testModel(spec);
const goodBytes = readFileSync(good.gguf);

async function rejects(path: string, code: string, problem: RegExp): Promise<void> {
  await assert.rejects(loadModel(path), (err: unknown) => {
    assert.ok(err instanceof HydrapatchError, `not a HydrapatchError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(path), `message does not name the file: ${err.message}`);
    assert.match(err.message, problem);
    assert.ok(err.hint && err.hint.length > 10, 'no hint');
    return true;
  });
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

// Built once (the vocabulary takes a moment to train); each case alters its own deep copy.
const baseParts = testGgufParts(spec);

function altered(name: string, change: (parts: ReturnType<typeof testGgufParts>) => void, options?: { alignment?: number }): string {
  const parts = structuredClone(baseParts);
  change(parts);
  const p = join(dir, name);
  writeGguf(p, parts.metadata, parts.tensors, options);
  return p;
}

test('the unaltered file loads (the base of every case below)', async () => {
  const m = await loadModel(good.gguf);
  assert.equal(m.config.vocabSize, 300);
});

test('truncated GGUF: in the tensor data and at every cut inside the header', async () => {
  await rejects(file('cut-data.gguf', goodBytes.subarray(0, goodBytes.length - 100)), 'model_truncated', /tensor .* needs bytes/);
  // Whatever byte the file ends at, the answer is a clear error, never a RangeError or a crash.
  const headerEnd = readGguf(good.gguf).dataOffset;
  for (let cut = 0; cut < headerEnd; cut += Math.ceil(headerEnd / 80)) {
    await assert.rejects(loadModel(file('cut.gguf', goodBytes.subarray(0, cut))), (err: unknown) => err instanceof HydrapatchError && /truncated|bad_magic/.test(err.code));
  }
});

test('wrong magic', async () => {
  const bytes = Buffer.from(goodBytes);
  bytes.write('GGML', 0, 'latin1');
  await rejects(file('magic.gguf', bytes), 'model_bad_magic', /GGUF magic/);
  await rejects(file('text.gguf', Buffer.from('hello, I am not a model\n')), 'model_bad_magic', /GGUF magic/);
});

test('unsupported version', async () => {
  const bytes = Buffer.from(goodBytes);
  bytes.writeUInt32LE(1, 4);
  await rejects(file('v1.gguf', bytes), 'model_unsupported_version', /version 1 is not supported/);
  bytes.writeUInt32LE(7, 4);
  await rejects(file('v7.gguf', bytes), 'model_unsupported_version', /version 7/);
});

test('GGUF version 2 is read like version 3', async () => {
  const bytes = Buffer.from(goodBytes);
  bytes.writeUInt32LE(2, 4);
  const m = await loadModel(file('v2.gguf', bytes));
  assert.equal(m.config.numLayers, 2);
});

test('unknown architecture (GGUF and config.json)', async () => {
  const p = altered('mamba.gguf', (parts) => { parts.metadata['general.architecture'] = { type: 'string', value: 'mamba' }; });
  await rejects(p, 'model_unsupported_arch', /architecture "mamba" is not supported/);
  const hf = join(dir, 'hf-arch');
  cpSync(good.hfDir, hf, { recursive: true });
  const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
  writeFileSync(join(hf, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt_neox' }));
  await rejects(hf, 'model_unsupported_arch', /model_type "gpt_neox"/);
});

test('model features that would be silently wrong are refused: bad RoPE factors, scaling, partial RoPE, experts', async () => {
  const factors = altered('rope-freqs.gguf', (parts) => {
    parts.tensors.push({ name: 'rope_freqs.weight', dims: [8], type: 0, data: new Uint8Array(32) });
  });
  await rejects(factors, 'model_bad_config', /rope_freqs\.weight\[0\] is 0, expected a positive factor/);
  const experts = altered('moe.gguf', (parts) => { parts.metadata['llama.expert_count'] = { type: 'u32', value: 8 }; });
  await rejects(experts, 'model_unsupported_arch', /mixture-of-experts model \(8 experts\)/);
  const scaling = altered('rope-scaling.gguf', (parts) => { parts.metadata['llama.rope.scaling.type'] = { type: 'string', value: 'yarn' }; });
  await rejects(scaling, 'model_bad_config', /RoPE scaling "yarn"/);
  const partial = altered('rope-partial.gguf', (parts) => { parts.metadata['llama.rope.dimension_count'] = { type: 'u32', value: 8 }; });
  await rejects(partial, 'model_bad_config', /RoPE covers 8 of 16/);
});

test('a sliding attention window (Mistral) caps the context, where it equals full attention', async () => {
  const p = altered('window.gguf', (parts) => { parts.metadata['llama.attention.sliding_window'] = { type: 'u32', value: 100 }; });
  assert.equal((await loadModel(p)).config.contextLength, 100);
  const hf = join(dir, 'hf-window');
  cpSync(good.hfDir, hf, { recursive: true });
  const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
  writeFileSync(join(hf, 'config.json'), JSON.stringify({ ...config, sliding_window: 100 }));
  assert.equal((await loadModel(hf)).config.contextLength, 100);
  writeFileSync(join(hf, 'config.json'), JSON.stringify({ ...config, rope_scaling: { rope_type: 'yarn', factor: 4 } }));
  await rejects(hf, 'model_bad_config', /rope_scaling .*yarn.* is not supported/);
});

test('unsupported tensor type names the type and the supported ones', async () => {
  const p = altered('q2k.gguf', (parts) => {
    const i = parts.tensors.findIndex((t) => t.name === 'blk.0.ffn_up.weight');
    const [cols, rows] = parts.tensors[i].dims;
    // Q2_K: 256 values per 84-byte block; the row length 64 is not a whole block, so use one
    // 256-wide row per 4 rows of the original shape to keep the byte count consistent.
    const dims = [256, (cols * rows) / 256];
    const q2k: GgufWriteTensor = { name: parts.tensors[i].name, dims, type: 10, data: new Uint8Array((dims[0] * dims[1] / 256) * 84) };
    parts.tensors[i] = q2k;
  });
  await rejects(p, 'model_unsupported_tensor_type', /unsupported tensor type Q2_K \(tensor blk\.0\.ffn_up\.weight\); supported: F32, F16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K/);
});

test('missing tensor', async () => {
  const p = altered('missing.gguf', (parts) => { parts.tensors = parts.tensors.filter((t) => t.name !== 'blk.1.ffn_down.weight'); });
  await rejects(p, 'model_missing_tensor', /blk\.1\.ffn_down\.weight is missing/);
});

test('wrong tensor shape', async () => {
  const p = altered('shape.gguf', (parts) => {
    const t = parts.tensors.find((x) => x.name === 'blk.0.attn_k.weight')!;
    t.dims = [t.dims[0] / 2, t.dims[1] * 2];
  });
  await rejects(p, 'model_bad_shape', /blk\.0\.attn_k\.weight has shape \[64, 32\], expected \[32, 64\]/);
});

test('misaligned tensor offsets', async () => {
  // The metadata promises 512-byte alignment while the data is laid out at 32 (the 256-byte norm
  // vectors then leave later tensors off the 512 grid).
  const p = altered('misaligned.gguf', (parts) => { parts.metadata['general.alignment'] = { type: 'u32', value: 512 }; }, { alignment: 32 });
  await rejects(p, 'model_misaligned', /not a multiple of the alignment 512/);
  const odd = altered('odd-alignment.gguf', (parts) => { parts.metadata['general.alignment'] = { type: 'u32', value: 48 }; });
  await rejects(odd, 'model_misaligned', /general\.alignment is 48, not a power of two/);
});

test('vocabulary and embedding table disagree (GGUF and HF folder)', async () => {
  const p = altered('vocab.gguf', (parts) => {
    const tokens = parts.metadata['tokenizer.ggml.tokens'];
    const types = parts.metadata['tokenizer.ggml.token_type'];
    if (tokens.type !== 'array' || types.type !== 'array') throw new Error('unexpected metadata');
    tokens.value = [...tokens.value, 'extra1', 'extra2'];
    types.value = [...types.value, 1, 1];
  });
  await rejects(p, 'model_vocab_mismatch', /vocabulary has 302 tokens but the embedding table has 300 rows/);
  const hf = join(dir, 'hf-vocab');
  cpSync(good.hfDir, hf, { recursive: true });
  const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
  writeFileSync(join(hf, 'config.json'), JSON.stringify({ ...config, vocab_size: 256 }));
  await rejects(hf, 'model_vocab_mismatch', /vocabulary has 256 tokens but the embedding table has 300 rows/);
});

test('a safetensors header that lies about sizes', async () => {
  const hf = join(dir, 'hf-lies');
  cpSync(good.hfDir, hf, { recursive: true });
  const weights = join(hf, 'model.safetensors');
  const bytes = readFileSync(weights);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
  // One tensor claims a bigger shape than its byte range holds.
  const lying = structuredClone(header);
  lying['model.norm.weight'].shape = [128];
  const withHeader = (h: unknown): Buffer => {
    let json = JSON.stringify(h);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, Buffer.from(json), bytes.subarray(8 + headerLen)]);
  };
  writeFileSync(weights, withHeader(lying));
  await rejects(hf, 'model_bad_header', /model\.norm\.weight .* needs 512 bytes but its data_offsets span 256/);
  // Offsets past the end of the file.
  const beyond = structuredClone(header);
  beyond['model.norm.weight'].data_offsets = [10_000_000, 10_000_256];
  writeFileSync(weights, withHeader(beyond));
  await rejects(hf, 'model_truncated', /model\.norm\.weight ends at byte/);
  // A header length larger than the file.
  const huge = Buffer.from(bytes);
  huge.writeBigUInt64LE(BigInt(bytes.length * 2), 0);
  writeFileSync(weights, huge);
  await rejects(hf, 'model_truncated', /header claims/);
});

test('a safetensors folder with a missing tensor, and paths that are not models', async () => {
  const hf = join(dir, 'hf-missing');
  cpSync(good.hfDir, hf, { recursive: true });
  writeSafetensors(join(hf, 'model.safetensors'), [{ name: 'model.norm.weight', dtype: 'F32', shape: [64], data: new Uint8Array(256) }]);
  await rejects(hf, 'model_missing_tensor', /token_embd\.weight is missing/);
  await rejects(join(dir, 'nothing-here.gguf'), 'model_not_found', /does not exist/);
  await rejects(dir, 'model_not_found', /has no config\.json/);
});

test('a sharded index naming a missing shard, and a config.json that is not JSON', async () => {
  const hf = join(dir, 'hf-shards');
  cpSync(testModel({ ...spec, hfShards: 2 }).hfDir, hf, { recursive: true });
  rmSync(join(hf, 'model-00002-of-00002.safetensors'));
  await rejects(hf, 'model_not_found', /model-00002-of-00002\.safetensors: cannot open/);
  const broken = join(dir, 'hf-config');
  cpSync(good.hfDir, broken, { recursive: true });
  writeFileSync(join(broken, 'config.json'), '{ "model_type": "llama", ');
  await rejects(broken, 'model_bad_config', /config\.json: is not valid JSON/);
});
