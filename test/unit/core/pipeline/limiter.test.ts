import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLimiter } from '../../../../src/core/pipeline/limiter';

test('never more than the limit at once, every task runs, in arrival order', async () => {
  const limit = createLimiter(3);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      limit(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
        running--;
        return i * i;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => i * i));
  assert.deepEqual(started, Array.from({ length: 10 }, (_, i) => i));
});

test('a failing task frees its slot', async () => {
  const limit = createLimiter(1);
  await assert.rejects(limit(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await limit(async () => 'next'), 'next');
});

test('an urgent task goes ahead of the waiting ones', async () => {
  const limit = createLimiter(1);
  const order: string[] = [];
  const task = (name: string) => async () => {
    order.push(name);
    await new Promise((r) => setTimeout(r, 5));
  };
  await Promise.all([limit(task('a')), limit(task('b')), limit(task('c')), limit(task('urgent'), true)]);
  assert.deepEqual(order, ['a', 'urgent', 'b', 'c']);
});
