// The resource limits hold inside the sandbox, and nothing of a sandboxed run outlives the process
// that started it, even when that process is killed outright.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectSandbox } from '../../../src/core/sandbox/detectSandbox';
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import { wrapCommand } from '../../../src/core/sandbox/wrapCommand';
import { runCommand } from '../../../src/core/testing/runCommand';
import { makeScene } from './scene';

/** Pids whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').includes(marker)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (check()) return true;
  return check();
}

test('file size, memory and CPU time limits hold inside the sandbox', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitJs');
  t.after(() => scene.cleanup());
  const command = [
    'head -c 3000000 /dev/zero > big.bin; echo fsize=$?',
    `node -e 'try { Buffer.alloc(300e6, 1); console.log("memory=allocated") } catch { console.log("memory=refused") }'`,
    "sh -c 'while :; do :; done'; echo cpu=$?",
  ].join('; ');
  const outcome = await runCommand({
    command,
    cwd: scene.worktree,
    timeoutMs: 30_000,
    outputCapBytes: 1 << 16,
    launcher: sandboxLauncher({ policy: { mode: 'required' }, limits: { fileSizeBytes: 1_000_000, memoryBytes: 200_000_000, cpuSeconds: 1 } }),
  });
  assert.equal(outcome.timedOut, false);
  assert.match(outcome.output, /fsize=153/, 'head was stopped by SIGXFSZ');
  assert.equal(statSync(join(scene.worktree, 'big.bin')).size, 1_000_000);
  assert.match(outcome.output, /memory=refused/);
  assert.match(outcome.output, /cpu=(152|137)/, 'the busy loop was stopped by SIGXCPU (or SIGKILL at the hard limit)');
});

test('killing the process that started a sandbox ends everything in it', async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitJs');
  t.after(() => scene.cleanup());
  const marker = `${600 + Math.floor(Math.random() * 1000)}.25`;
  const wrapped = await wrapCommand(
    { command: `sleep ${marker} & setsid sleep ${marker} & sleep ${marker}`, cwd: scene.worktree, writable: [scene.worktree], env: process.env },
    { mode: 'required' },
  );
  // A stand-in for the extension host or CLI: it starts the sandbox, then dies without cleaning up.
  const starter = spawn(process.execPath, ['-e', 'const w = JSON.parse(process.argv[1]); require("child_process").spawn(w.file, w.args, { cwd: w.cwd, env: w.env, stdio: "ignore" }); setInterval(() => {}, 1000);', JSON.stringify(wrapped)], { stdio: 'ignore' });
  t.after(() => starter.kill('SIGKILL'));
  assert.ok(await waitFor(() => processesWith(marker).length === 3, 10_000), 'the three sleeps started');
  starter.kill('SIGKILL');
  assert.ok(await waitFor(() => processesWith(marker).length === 0, 5_000), `left running: ${processesWith(marker).join(', ')}`);
});

test("the runner's time limit ends a hanging sandboxed run and everything it started", async (t) => {
  const info = await detectSandbox();
  if (!info.available) return t.skip(`no sandbox here: ${info.reason}`);
  const scene = makeScene('legitJs');
  t.after(() => scene.cleanup());
  const marker = `${1600 + Math.floor(Math.random() * 1000)}.75`;
  const outcome = await runCommand({
    command: `sleep ${marker} & setsid sleep ${marker} & sleep ${marker}`,
    cwd: scene.worktree,
    timeoutMs: 1_500,
    outputCapBytes: 1 << 16,
    graceMs: 200,
    launcher: sandboxLauncher({ policy: { mode: 'required' } }),
  });
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.launcher, 'bwrap');
  assert.ok(await waitFor(() => processesWith(marker).length === 0, 5_000), `left running: ${processesWith(marker).join(', ')}`);
});
