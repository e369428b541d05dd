import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../../../src/core/testing/runCommand';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie waiting for a reaper is dead for our purpose.
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isRunning(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isRunning(pid);
}

test('exit code and output are reported', async () => {
  const r = await runCommand({ command: 'echo out; echo err >&2; exit 3', cwd: tmpdir(), timeoutMs: 10_000, outputCapBytes: 1 << 20 });
  assert.equal(r.exitCode, 3);
  assert.match(r.output, /out/);
  assert.match(r.output, /err/);
  assert.equal(r.timedOut, false);
  assert.equal(r.outputCapped, false);
});

test('a command that hangs is killed at the time limit', async () => {
  const r = await runCommand({ command: 'sleep 60', cwd: tmpdir(), timeoutMs: 300, outputCapBytes: 1 << 20, graceMs: 200 });
  assert.equal(r.timedOut, true);
  assert.notEqual(r.exitCode, 0);
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
});

test('a command that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
  const r = await runCommand({ command: "trap '' TERM; sleep 60 & wait", cwd: tmpdir(), timeoutMs: 300, outputCapBytes: 1 << 20, graceMs: 300 });
  assert.equal(r.timedOut, true);
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
});

test('children forked by the command (in its group, and ones that left it with setsid) do not outlive it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-fork-'));
  try {
    const r = await runCommand({
      command: `sleep 300 & echo $! > in-group.pid; setsid sleep 301 & echo $! > setsid.pid; sleep 0.2; exit 0`,
      cwd: dir,
      timeoutMs: 10_000,
      outputCapBytes: 1 << 20,
    });
    assert.equal(r.exitCode, 0);
    for (const file of ['in-group.pid', 'setsid.pid']) {
      const pid = Number(readFileSync(join(dir, file), 'utf8'));
      assert.ok(pid > 0);
      assert.ok(await waitUntilDead(pid), `${file}: process ${pid} still running`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a command printing without end (1 GB) is capped and killed', async () => {
  const cap = 256 * 1024;
  const r = await runCommand({ command: 'head -c 1000000000 /dev/zero | tr "\\0" x', cwd: tmpdir(), timeoutMs: 30_000, outputCapBytes: cap });
  assert.equal(r.outputCapped, true);
  assert.equal(Buffer.byteLength(r.output), cap);
  assert.equal(r.timedOut, false);
  assert.ok(r.durationMs < 10_000, `took ${r.durationMs} ms`);
});

test('aborting the signal stops the run', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const r = await runCommand({ command: 'sleep 60', cwd: tmpdir(), timeoutMs: 60_000, outputCapBytes: 1024, signal: ac.signal, graceMs: 200 });
  assert.equal(r.cancelled, true);
  assert.ok(r.durationMs < 5000);
});
