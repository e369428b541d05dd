import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { HydrapatchError } from '../../../src/protocol/errors';
import { checkJobFits, jobKvNeed, kvCapacity, type KvSizing } from '../../../server/src/sampling/kvBudget';
import type { PromptLayout } from '../../../server/src/sampling/promptLayout';

// The case: d=512 (8 KV heads of 64), 8 layers, F32 KV: 2 KiB per layer row, 32 KiB per token.
const sizing: KvSizing = { bytesPerToken: 32768, bytesPerLayerRow: 2048, contextLength: 8192, maxBatch: 128, suffixPage: 64, maxStorageBufferBindingSize: 128 * 2 ** 20 };

test('the default pool holds a full context plus a first page per batch sequence, within the device limits', () => {
  // 8192 + 128·64 = 16384 tokens = 512 MiB, which the memory share (≥ 512 MiB) always allows.
  assert.equal(kvCapacity(sizing), 16384);
  // A 128 MiB binding holds 65536 rows of 2 KiB: a larger want is cut to it.
  assert.equal(kvCapacity({ ...sizing, contextLength: 131072 }), Math.min(65536, Math.floor(Math.max(2 ** 29, totalmem() / 4) / 32768)));
  assert.equal(kvCapacity({ ...sizing, maxStorageBufferBindingSize: 2 ** 20 }), 512);
  // An explicit budget is taken as given.
  assert.equal(kvCapacity(sizing, 256 * 2 ** 20), 8192);
  assert.throws(() => kvCapacity(sizing, 40000), (e: unknown) => e instanceof HydrapatchError && /holds 1 tokens/.test(e.message) && /at least 0\.1 MiB/.test(e.hint ?? ''));
});

test('a job needs its whole prompt tree plus its longest sample, capped by the context', () => {
  const layout = {
    nodes: [{ tokens: new Array(8000).fill(1), parent: -1, position: 0 }, { tokens: [1, 2], parent: 0, position: 8000 }, { tokens: new Array(150).fill(1), parent: 0, position: 8000 }],
    leaves: [{ node: 1, samples: [0] }, { node: 2, samples: [1] }],
  } as unknown as PromptLayout;
  assert.deepEqual(jobKvNeed(layout, 64, 8192), { prompt: 8152, sample: 63 });
  assert.deepEqual(jobKvNeed(layout, 100, 8192), { prompt: 8152, sample: 99 });
  // In a context of 8160, leaf 1 (ending at 8002) can generate 158 tokens, 157 of them needing KV.
  assert.deepEqual(jobKvNeed(layout, 200, 8160), { prompt: 8152, sample: 157 });
  checkJobFits({ prompt: 8152, sample: 63 }, 8215, 32768);
  assert.throws(() => checkJobFits({ prompt: 8152, sample: 63 }, 8214, 32768), (e: unknown) =>
    e instanceof HydrapatchError && e.code === 'kv_budget' && /needs 8215 tokens .* 32768 bytes per token = 256\.7 MiB.*holds 8214 tokens \(256\.7 MiB\)/.test(e.message) && /at least 257 MiB/.test(e.hint ?? ''));
});
