// The launcher against small stand-in scripts, for the failures a real server is hard to provoke into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../../../../src/core/backends/serverProcess';

const dir = mkdtempSync(join(tmpdir(), 'hp-server-process-'));
function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

test('a server that dies before its ready line is reported with its stderr', async () => {
  const serverScript = script('dies.js', 'console.error("boom: no adapter"); process.exit(3);');
  await assert.rejects(startServerProcess({ serverScript }), (e: { code: string; message: string }) => e.code === 'server_start_failed' && e.message.includes('code 3') && e.message.includes('boom: no adapter'));
});

test('a first line that is not the ready line is refused', async () => {
  const serverScript = script('chatty.js', 'console.log("hello there"); setInterval(() => {}, 1000);');
  await assert.rejects(startServerProcess({ serverScript }), { code: 'server_start_failed' });
});

test('the token is passed in the child\'s environment (no file, not argv), env reaches the child, and stop() ends it', async () => {
  const serverScript = script(
    'ready.js',
    `const a = process.argv; const tok = process.env.HYDRAPATCH_SERVER_TOKEN;
     console.log(JSON.stringify({ ready: true, port: 4242 })); console.error(JSON.stringify({ tok, env: process.env.HP_TEST_ENV, argv: a.slice(2) }));
     setInterval(() => {}, 1000);`,
  );
  const lines: string[] = [];
  const p = await startServerProcess({ serverScript, env: { HP_TEST_ENV: 'yes' }, model: '/m.gguf', onLog: (l) => lines.push(l) });
  assert.equal(p.port, 4242);
  assert.equal(p.wsUrl, 'ws://127.0.0.1:4242/ws');
  await new Promise((r) => setTimeout(r, 200));
  const seen = JSON.parse(lines[0]!) as { tok: string; env: string; argv: string[] };
  assert.equal(seen.tok, p.token);
  assert.ok(p.token.length >= 32);
  assert.equal(process.env.HYDRAPATCH_SERVER_TOKEN, undefined, 'the token stays out of this process\'s own environment');
  assert.equal(seen.env, 'yes');
  assert.ok(!seen.argv.includes(p.token), 'the token must not appear on the command line');
  assert.deepEqual(seen.argv.slice(seen.argv.indexOf('--model'), seen.argv.indexOf('--model') + 2), ['--model', '/m.gguf']);
  const exit = await p.stop();
  assert.equal(exit.requested, true);
  assert.equal(exit.signal, 'SIGTERM');
});

test('when the parent is killed (SIGKILL), the server exits too and nothing of the launch is left in the temp folder', async () => {
  // The parent's own temp folder, so that what it leaves behind can be told from other tests' files.
  const parentTmp = mkdtempSync(join(tmpdir(), 'hp-parent-tmp-'));
  const serverScript = script('lifeline.js', `console.log(JSON.stringify({ ready: true, port: 1 })); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`);
  const launcher = join(__dirname, '..', '..', '..', '..', 'src', 'core', 'backends', 'serverProcess.ts');
  const parentScript = script('parent.ts', `import { startServerProcess } from ${JSON.stringify(launcher)};
    startServerProcess({ serverScript: ${JSON.stringify(serverScript)} }).then((p) => console.log(p.pid));
    setInterval(() => {}, 1000);`);
  const parent = spawn(process.execPath, ['--import', 'tsx', parentScript], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: parentTmp } });
  const childPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(alive(childPid));
  parent.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(childPid), false, 'the server outlived its parent');
  assert.deepEqual(readdirSync(parentTmp).filter((f) => f.startsWith('hydrapatch-')), [], 'a token folder was left behind');
  rmSync(parentTmp, { recursive: true, force: true });
});
