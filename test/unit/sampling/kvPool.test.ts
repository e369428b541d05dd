// KV-pool slot runs: first fit, freed runs merge back so that long runs come back, accounting exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvSlots } from '../../../server/src/sampling/kvPool';
import { HydrapatchError } from '../../../src/protocol/errors';

test('allocations never overlap, release merges neighbours, usage is exact', () => {
  const slots = new KvSlots(100);
  const a = slots.alloc(30, 'a');
  const b = slots.alloc(30, 'b');
  const c = slots.alloc(30, 'c');
  assert.deepEqual([a, b, c], [0, 30, 60]);
  assert.equal(slots.inUse, 90);
  assert.equal(slots.tryAlloc(11), -1);
  slots.release(a, 30);
  slots.release(c, 30);
  assert.equal(slots.tryAlloc(41), -1, 'two free runs of 30 and 40 are not one of 41');
  slots.release(b, 30);
  assert.equal(slots.inUse, 0);
  assert.equal(slots.tryAlloc(100), 0, 'all runs merged back into one');
  assert.throws(() => slots.alloc(1, 'one more'), (e: unknown) => e instanceof HydrapatchError && e.code === 'kv_budget' && !!e.hint);
});

test('random alloc/release against a bitmap reference', () => {
  const slots = new KvSlots(500);
  const used = new Uint8Array(500);
  const live: [number, number][] = [];
  let seed = 9;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let i = 0; i < 3000; i++) {
    if (live.length > 0 && rand(2) === 0) {
      const [s, l] = live.splice(rand(live.length), 1)[0];
      slots.release(s, l);
      used.fill(0, s, s + l);
    } else {
      const l = 1 + rand(40);
      const s = slots.tryAlloc(l);
      if (s >= 0) {
        assert.ok(used.subarray(s, s + l).every((x) => x === 0), 'allocated run overlaps a live one');
        used.fill(1, s, s + l);
        live.push([s, l]);
      }
    }
    assert.equal(slots.inUse, used.reduce((a, b) => a + b, 0));
  }
});
