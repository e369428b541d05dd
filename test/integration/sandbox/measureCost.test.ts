// measureSandboxCost reports real runs of both kinds (not their speed: that is the benchmark's job).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HydrapatchError } from '../../../src/protocol/errors';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { measureSandboxCost } from '../../../src/core/sandbox/measureCost';

test('runs the command plainly and sandboxed, a warm-up and `runs` times each, and divides the medians', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'hp-cost-'));
  t.after(() => rmSync(dir, { recursive: true }));
  // Each run appends its hostname: the sandbox's own, or the machine's.
  const cost = await measureSandboxCost({ command: 'hostname >> runs.txt', cwd: dir, runs: 3 });
  const hosts = readFileSync(join(dir, 'runs.txt'), 'utf8').trim().split('\n');
  assert.equal(hosts.filter((h) => h === 'hydrapatch-sandbox').length, 4);
  assert.equal(hosts.length, 8);
  assert.equal(cost.kind, 'bwrap');
  assert.equal(cost.plainMs.length, 3);
  assert.equal(cost.sandboxedMs.length, 3);
  assert.equal(cost.ratio, cost.sandboxedMedianMs / cost.plainMedianMs);
  assert.equal(cost.plainMedianMs, [...cost.plainMs].sort((a, b) => a - b)[1]);
});

test('a failing command is refused: its cost would mean nothing', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'hp-cost-'));
  t.after(() => rmSync(dir, { recursive: true }));
  await assert.rejects(measureSandboxCost({ command: 'echo broken >&2; exit 3', cwd: dir, runs: 1 }), (err: unknown) =>
    err instanceof HydrapatchError && err.code === 'sandbox_cost_failed' && /exited with 3.*broken/.test(err.message));
});
