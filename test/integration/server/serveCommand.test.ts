// `hydrapatch-server serve` as a command: its one ready line, its made-up token, and its refusals of
// bad arguments. No model is needed for any of this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

const main = join(__dirname, '..', '..', '..', 'server', 'src', 'main.ts');

test('without --token-file it makes up a token, prints it once in the one ready line, and requires it', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const firstLine = await new Promise<string>((resolve) =>
    child.stdout.on('data', (c: string) => {
      stdout += c;
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    }),
  );
  const ready = JSON.parse(firstLine) as { ready: boolean; port: number; token: string };
  assert.equal(ready.ready, true);
  assert.ok(ready.port > 0);
  assert.ok(ready.token.length >= 24);
  const ok = await request(`http://127.0.0.1:${ready.port}/v1/models`, { headers: { authorization: `Bearer ${ready.token}` } });
  assert.equal(ok.statusCode, 200);
  await ok.body.dump();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
  assert.equal(stdout, firstLine + '\n', 'stdout carries the ready line and nothing else');
});

function runServe(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

test('a short or unreadable token file and bad numbers are refused before listening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-serve-'));
  const short = join(dir, 'short');
  writeFileSync(short, 'abc');
  const cases = [['--token-file', short], ['--token-file', join(dir, 'missing')], ['--port', 'eighty'], ['--kv-budget', '-5']];
  const results = await Promise.all(cases.map(runServe));
  results.forEach((r, i) => {
    assert.equal(r.status, 1, `${cases[i]!.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'no ready line');
    assert.match(r.stderr, /hint:/);
  });
});
