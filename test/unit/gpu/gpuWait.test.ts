// The GPU waiter: it asks Dawn late (after sleeping through most of the expected time), learns the
// time from what it measures, and lowers the estimate of a kind whose work turned out shorter than the
// sleep. The "work" here is a timer that ends a fixed time after its submission, standing in for the
// device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GpuWaiter } from '../../../server/src/gpu/gpuWait';

/**
 * Submits work of `kind` that ends `ms` after now and waits for it through `waiter`; returns how long
 * after the submission the waiter asked (where the spin a real Dawn promise costs would start).
 */
async function waitFor(waiter: GpuWaiter, kind: string, ms: number): Promise<number> {
  const submittedAt = performance.now();
  const end = new Promise<void>((resolve) => setTimeout(resolve, ms));
  return waiter.wait(kind, submittedAt, async () => {
    const asked = performance.now() - submittedAt;
    await end;
    return asked;
  });
}

test('a kind is polled at once until it has been measured twice, then asked for late', async () => {
  const waiter = new GpuWaiter();
  const asked: number[] = [];
  for (let i = 0; i < 4; i++) asked.push(await waitFor(waiter, 'forward', 60));
  assert.ok(asked[0] < 5 && asked[1] < 5, `the first two waits ask at once (asked after ${asked[0].toFixed(1)}, ${asked[1].toFixed(1)} ms)`);
  const expected = waiter.expected('forward')!;
  assert.ok(expected >= 59 && expected < 90, `expected ${expected} ms for 60 ms work`);
  // Asked after ~75% of the expected time (a timer may fire late on a busy machine, never much early):
  // most of the wait is a sleep, not a spin.
  assert.ok(asked[2] >= 40, `third wait asked after ${asked[2].toFixed(1)} ms`);
  assert.ok(asked[3] >= 40, `fourth wait asked after ${asked[3].toFixed(1)} ms`);
});

test('kinds are kept apart: a long kind does not make a short one sleep', async () => {
  const waiter = new GpuWaiter();
  for (let i = 0; i < 2; i++) {
    await waitFor(waiter, 'baseline', 80);
    await waitFor(waiter, 'hydragen', 20);
  }
  const asked = await waitFor(waiter, 'hydragen', 20);
  // Its own sleep is ~15 ms; the long kind's would be ~60.
  assert.ok(asked < 40, `the short kind asked after ${asked.toFixed(1)} ms`);
});

test('work shorter than the sleep is not measured: the estimate drops to half the time waited', async () => {
  const waiter = new GpuWaiter();
  for (let i = 0; i < 2; i++) await waitFor(waiter, 'step', 80);
  // The job got cheaper: the sleep (~60 ms) outlasts the 10 ms of work.
  const t = performance.now();
  await waitFor(waiter, 'step', 10);
  const waited = performance.now() - t;
  assert.ok(waited >= 50, 'the stale estimate was slept through once');
  const dropped = waiter.expected('step')!;
  assert.ok(Math.abs(dropped - waited / 2) < 5, `estimate ${dropped} ms after waiting ${waited} ms`);
  // It keeps dropping while the work stays shorter than the sleep, then the work is measured again.
  for (let i = 0; i < 4; i++) await waitFor(waiter, 'step', 10);
  const settled = waiter.expected('step')!;
  assert.ok(settled < 20, `estimate ${settled} ms for 10 ms work`);
});

test('waits too short to be worth a timer never sleep', async () => {
  const waiter = new GpuWaiter();
  const asked: number[] = [];
  for (let i = 0; i < 4; i++) asked.push(await waitFor(waiter, 'tiny', 4));
  assert.ok(asked.every((a) => a < 2), `asked after ${asked.map((a) => a.toFixed(1)).join(', ')} ms`);
});
