import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoFromFixture } from '../../helpers/gitRepo';
import { jsSamples } from '../pipeline/fixtureSamples';

const cliMain = join(__dirname, '../../../src/cli/main.ts');

test('hydrapatch solve --endpoint: the prompt carries the repository context and the issue; the answers are verified', async () => {
  // An OpenAI-compatible endpoint that answers the fixture's raw samples, in order, as chat choices.
  const requests: { n: number; model: string; messages: { role: string; content: string }[] }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      requests.push(parsed);
      const choices = Array.from({ length: parsed.n }, (_, i) => ({ index: i, message: { role: 'assistant', content: jsSamples[i % jsSamples.length].text }, finish_reason: 'stop' }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const repo = repoFromFixture('jsStats');
  const dir = mkdtempSync(join(tmpdir(), 'hp-endpoint-'));
  try {
    writeFileSync(join(dir, 'issue.md'), 'mean() in lib/stats.js returns 5/3 for [1, 2, 3]; it should be 2.');
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'solve', '--repo', repo.dir, '--issue', join(dir, 'issue.md'), '-n', String(jsSamples.length),
      '--endpoint', `http://127.0.0.1:${port}/v1`, '--model-name', 'fake-coder', '--test', 'node --test --test-reporter=tap', '--sandbox', 'off', '--yes-run-unsandboxed'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    // One request for the patches and one for the reproduction tests (N/4 by default), same model.
    assert.deepEqual(requests.map((r) => r.n).sort((a, b) => a - b), [Math.floor(jsSamples.length / 4), jsSamples.length]);
    assert.ok(requests.every((r) => r.model === 'fake-coder'));
    const patches = requests.find((r) => r.n === jsSamples.length)!;
    const tests = requests.find((r) => r.n !== jsSamples.length)!;
    assert.match(tests.messages.map((m) => m.content).join('\n'), /write a test that fails because of this issue/);
    const prompt = patches.messages.map((m) => m.content).join('\n');
    assert.ok(prompt.includes('for (let i = 1; i < xs.length; i++) {'), 'the buggy file is in the prompt');
    assert.ok(prompt.includes('it should be 2.'), 'the issue is in the prompt');
    assert.match(stdout, /coverage: 5\/10 verified/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    repo.cleanup();
  }
});
