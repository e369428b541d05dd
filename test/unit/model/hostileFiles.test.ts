// Model files built to hurt the loader (issue 17, item 12): every one must be refused quickly with a
// short error that names the file and what is wrong, before anything is sized from the lie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HydrapatchError } from '../../../src/protocol/errors';
import { writeGguf } from '../../../scripts/lib/ggufWriter';
import { loadModel } from '../../../server/src/model/load';
import { testGgufParts } from '../../../scripts/testModels/randomModel';
import { testModel, testModelSpec } from '../../helpers/models';

const dir = mkdtempSync(join(tmpdir(), 'hp-hostile-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const spec = testModelSpec({ vocabSize: 300, numLayers: 2 });
const good = testModel(spec);
const baseParts = testGgufParts(spec);

/** Refused within `ms` with this code, a message naming the file, matching `problem`, and short. */
async function refused(path: string, code: string, problem: RegExp, ms = 5000): Promise<HydrapatchError> {
  const started = performance.now();
  let caught: unknown;
  try {
    await loadModel(path);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HydrapatchError, `not refused with a HydrapatchError: ${String(caught).slice(0, 300)}`);
  assert.equal(caught.code, code, caught.message.slice(0, 300));
  assert.ok(caught.message.includes(path), `the message does not name the file: ${caught.message.slice(0, 300)}`);
  assert.match(caught.message, problem);
  assert.ok(caught.message.length < 1000, `the message is ${caught.message.length} characters long`);
  assert.ok(caught.hint && caught.hint.length > 10, 'no hint');
  assert.ok(performance.now() - started < ms, `took ${Math.round(performance.now() - started)} ms`);
  return caught;
}

function altered(name: string, change: (parts: ReturnType<typeof testGgufParts>) => void): string {
  const parts = structuredClone(baseParts);
  change(parts);
  const p = join(dir, name);
  writeGguf(p, parts.metadata, parts.tensors);
  return p;
}

function hfCopy(name: string): string {
  const hf = join(dir, name);
  cpSync(good.hfDir, hf, { recursive: true });
  return hf;
}

/** A GGUF header by hand, for shapes the writer refuses to make: magic, v3, counts, then `body`. */
function rawGguf(name: string, kvCount: number, body: Buffer): string {
  const head = Buffer.alloc(24);
  head.write('GGUF', 0, 'latin1');
  head.writeUInt32LE(3, 4);
  head.writeBigUInt64LE(0n, 8);
  head.writeBigUInt64LE(BigInt(kvCount), 16);
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([head, body]));
  return p;
}

function ggufString(s: Buffer): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(s.length));
  return Buffer.concat([len, s]);
}

test('a billion layers (GGUF block_count, HF num_hidden_layers) are refused before any tensor is sized', async () => {
  const gguf = altered('layers.gguf', (parts) => { parts.metadata['llama.block_count'] = { type: 'u32', value: 1e9 }; });
  await refused(gguf, 'model_bad_config', /numLayers is 1000000000, above the limit/, 1000);
  const hf = hfCopy('hf-layers');
  const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
  writeFileSync(join(hf, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 1e9 }));
  await refused(hf, 'model_bad_config', /numLayers is 1000000000/, 1000);
});

test('a context length of 2^50 is refused', async () => {
  const gguf = altered('context.gguf', (parts) => { parts.metadata['llama.context_length'] = { type: 'u64', value: 2 ** 50 }; });
  await refused(gguf, 'model_bad_config', /contextLength is 1125899906842624, above the limit/);
});

test('200,000 nested arrays in the metadata: a clear error, not a stack overflow', async () => {
  const depth = 200_000;
  const level = Buffer.alloc(12);
  level.writeUInt32LE(9, 0); // item type: array
  level.writeBigUInt64LE(1n, 4); // one item
  const innermost = Buffer.alloc(12);
  innermost.writeUInt32LE(4, 0); // u32 items
  innermost.writeBigUInt64LE(0n, 4);
  const type = Buffer.alloc(4);
  type.writeUInt32LE(9, 0);
  const p = rawGguf('nested.gguf', 1, Buffer.concat([ggufString(Buffer.from('evil.nested')), type, Buffer.concat(Array(depth).fill(level)), innermost]));
  await refused(p, 'model_bad_header', /evil\.nested nests arrays deeper than/);
});

test('a huge key of raw bytes followed by a string past the end: the error quotes a short, escaped excerpt', async () => {
  const key = Buffer.alloc(700_000, 0x07); // bell characters: raw control bytes
  const type = Buffer.alloc(4);
  type.writeUInt32LE(8, 0); // string value…
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(1n << 40n); // …claiming a terabyte
  const p = rawGguf('past-eof.gguf', 1, Buffer.concat([ggufString(key), type, len]));
  const err = await refused(p, 'model_bad_header', /metadata key #0 .* claims 700000 bytes; the limit is 65535/);
  assert.ok(!err.message.includes("\u0007"), "raw control bytes in the message");
  const shortKey = rawGguf('past-eof2.gguf', 1, Buffer.concat([ggufString(Buffer.from('a\u0007b'.repeat(5000))), type, len]));
  const err2 = await refused(shortKey, 'model_truncated', /metadata "a\\u0007ba\\u0007b.*… \(15000 characters\) at byte \d+ claims 1099511627776 bytes but the file ends/);
  assert.ok(!err2.message.includes("\u0007"), "raw control bytes in the message");
});

test('a chat template that loops 1e8 times is stopped by the time budget, not by running out of memory', async () => {
  const p = altered('template.gguf', (parts) => {
    parts.metadata['tokenizer.chat_template'] = { type: 'string', value: '{% for i in range(100000000) %}{{ messages[0].content }}{% endfor %}' };
  });
  const model = await loadModel(p);
  const started = performance.now();
  assert.throws(() => model.tokenizer.applyChatTemplate!([{ role: 'user', content: 'hello' }]), (err: unknown) => {
    assert.ok(err instanceof HydrapatchError, String(err));
    assert.equal(err.code, 'model_bad_tokenizer');
    assert.match(err.message, /template\.gguf: the chat template ran longer than \d+ ms/);
    return true;
  });
  assert.ok(performance.now() - started < 10_000);
  // Output doubling: stopped by the size budget (or the engine's string limit), never a crash.
  const doubling = altered('doubling.gguf', (parts) => {
    parts.metadata['tokenizer.chat_template'] = { type: 'string', value: "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(22) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}" };
  });
  const m2 = await loadModel(doubling);
  assert.throws(() => m2.tokenizer.applyChatTemplate!([{ role: 'user', content: 'hi' }]), /doubling\.gguf: the chat template wrote 33554432 characters/);
});

test('NaN in the embedding table or a norm is refused at load', async () => {
  const embd = altered('nan-embd.gguf', (parts) => {
    const t = parts.tensors.find((x) => x.name === 'token_embd.weight')!;
    new DataView(t.data.buffer, t.data.byteOffset).setFloat32(4 * (7 * t.dims[0]! + 3), NaN, true);
  });
  await refused(embd, 'model_bad_weights', /token_embd\.weight holds a NaN or infinite value at element \d+ \(row 7\)/);
  const norm = altered('inf-norm.gguf', (parts) => {
    const t = parts.tensors.find((x) => x.name === 'blk.1.ffn_norm.weight')!;
    new DataView(t.data.buffer, t.data.byteOffset).setFloat32(0, Infinity, true);
  });
  await refused(norm, 'model_bad_weights', /blk\.1\.ffn_norm\.weight holds a NaN/);
});

test('a safetensors index naming files outside the model folder (../, absolute, a symlink) is refused', async () => {
  const secret = join(dir, 'outside.safetensors');
  cpSync(join(good.hfDir, 'model.safetensors'), secret);
  for (const [name, target] of [['hf-dotdot', '../../../../../../../../etc/passwd'], ['hf-abs', '/etc/passwd'], ['hf-climb', 'sub/../../outside.safetensors']] as const) {
    const hf = hfCopy(name);
    writeFileSync(join(hf, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': target } }));
    await refused(hf, 'model_bad_header', /weight_map names .* (outside the model folder|not a file name inside)/);
  }
  const linked = hfCopy('hf-link');
  symlinkSync(secret, join(linked, 'shard.safetensors'));
  writeFileSync(join(linked, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': 'shard.safetensors' } }));
  await refused(linked, 'model_bad_header', /weight_map names shard\.safetensors, a link that leads outside the model folder/);
});
