// Ordinary test suites (writing in their own tree, using a temp folder, reading dependencies linked
// into the worktree from the user's checkout, serving on loopback, forking workers) pass inside the
// sandbox exactly as outside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import { runCommand } from '../../../src/core/testing/runCommand';
import { runTests } from '../../../src/core/testing/runTests';
import { linkNodeModules, linkVenv, makeScene, type Scene } from './scene';

async function bothWays(t: { after: (fn: () => void) => void }, scene: Scene, command: string) {
  t.after(() => scene.cleanup());
  const options = { command, cwd: scene.worktree, timeoutMs: 60_000, outputCapBytes: 1 << 20, env: { HOME: scene.home } };
  const outside = await runTests(options);
  rmSync(join(scene.worktree, 'out'), { recursive: true, force: true });
  const inside = await runTests({ ...options, launcher: sandboxLauncher({ policy: { mode: 'required' }, hidden: [scene.pool, scene.user] }) });
  return { outside, inside };
}

const summary = (r: Awaited<ReturnType<typeof runTests>>) => r.tests.map((x) => `${x.name}: ${x.status}`).sort();

test('JS suite with node_modules passes the same inside the sandbox', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitJs');
  linkNodeModules(scene, 'legitJs');
  const { outside, inside } = await bothWays(t, scene, 'node --test --test-reporter=tap');
  assert.equal(outside.ok, true, outside.outputTail);
  assert.equal(inside.ok, true, inside.outputTail);
  assert.equal(inside.sandbox, 'bwrap');
  assert.equal(inside.tests.length, 5);
  assert.deepEqual(summary(inside), summary(outside));
});

test('Python unittest suite with a venv passes the same inside the sandbox', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitPy');
  linkVenv(scene, 'legitPy');
  const { outside, inside } = await bothWays(t, scene, '.venv/bin/python -m unittest -v');
  assert.equal(outside.ok, true, outside.outputTail);
  assert.equal(inside.ok, true, inside.outputTail);
  assert.equal(inside.sandbox, 'bwrap');
  assert.equal(inside.tests.length, 5);
  assert.deepEqual(summary(inside), summary(outside));
});

test('a suite that calls git sees its worktree the same inside the sandbox', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitJs');
  t.after(() => scene.cleanup());
  const options = { command: 'git rev-parse HEAD && git status --porcelain && git log --format=%s', cwd: scene.worktree, timeoutMs: 30_000, outputCapBytes: 1 << 16, env: { HOME: scene.home } };
  const outside = await runCommand(options);
  const inside = await runCommand({ ...options, launcher: sandboxLauncher({ policy: { mode: 'required' }, hidden: [scene.pool, scene.user] }) });
  assert.equal(outside.exitCode, 0, outside.output);
  assert.equal(inside.exitCode, 0, inside.output);
  assert.equal(inside.output.replace(/^warning: .*\n/gm, ''), outside.output);
});
