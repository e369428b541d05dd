// `hydrapatch solve --model FIFO` (issue 17, item 9): a named pipe given as the model must be refused
// with a clear error instead of hanging, and no server process of the run may outlive the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoFromFixture } from '../../helpers/gitRepo';

const cliMain = join(__dirname, '../../../src/cli/main.ts');

/** Processes whose command line mentions `needle` (the FIFO's unique path). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

test('solve --model FIFO: refused with a clear error, and no server process outlives the CLI', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-fifo-cli-'));
  const fifo = join(dir, 'model.gguf');
  execFileSync('mkfifo', [fifo]);
  writeFileSync(join(dir, 'issue.md'), 'mean() is wrong');
  const repo = repoFromFixture('jsStats');
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'solve', '--repo', repo.dir, '--issue', join(dir, 'issue.md'), '-n', '2', '--model', fifo,
    '--test', 'node --test --test-reporter=tap', '--sandbox', 'off', '--yes-run-unsandboxed'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  // Stopped after 45 s if it hangs (the bug), as a user would stop it.
  const stopper = setTimeout(() => child.kill('SIGTERM'), 45_000);
  try {
    const [code, signal] = await once(child, 'exit');
    clearTimeout(stopper);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(processesWith(fifo), [], 'server processes outlived the CLI');
    assert.equal(signal, null, `the CLI hung and was stopped; stderr: ${stderr.slice(-500)}`);
    assert.notEqual(code, 0);
    assert.match(stderr, /model\.gguf: is a FIFO \(named pipe\), not a regular file/);
  } finally {
    clearTimeout(stopper);
    for (const pid of processesWith(fifo)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    repo.cleanup();
  }
});
