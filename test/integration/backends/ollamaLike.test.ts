// The OpenAI-compatible client and `hydrapatch solve --endpoint` against a real server process that
// behaves like Ollama (test/helpers/ollamaLikeServer.js): it ignores `n` and answers by seed.
// Issue 15 (servers that ignore n, an empty model name) and issue 17 item 13 (the server dies mid-run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OpenAiCompatibleSource } from '../../../src/core/backends/openaiClient';
import { HydrapatchError } from '../../../src/protocol/errors';
import { defaultSampleParams, type SampleResult } from '../../../src/protocol/sampling';
import { repoFromFixture } from '../../helpers/gitRepo';
import { jsSamples } from '../pipeline/fixtureSamples';

const cliMain = join(__dirname, '../../../src/cli/main.ts');
const serverScript = join(__dirname, '../../helpers/ollamaLikeServer.js');
const dir = mkdtempSync(join(tmpdir(), 'hp-ollama-like-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Answered { model: string; n: number; seed: number; inFlight: number }

interface OllamaLike { url: string; process: ChildProcess; answered: Answered[]; sent: number[]; waitAnswered(count: number): Promise<void> }

async function startOllamaLike(env: Record<string, string>): Promise<OllamaLike> {
  const child = spawn(process.execPath, [serverScript], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const answered: Answered[] = [];
  const sent: number[] = [];
  const waiters: (() => void)[] = [];
  const port = await new Promise<number>((resolve) => {
    lines.on('line', (line) => {
      const value = JSON.parse(line) as { port?: number; sent?: number } & Answered;
      if (value.port !== undefined) return resolve(value.port);
      if (value.sent !== undefined) return void sent.push(value.sent);
      answered.push(value);
      waiters.splice(0).forEach((w) => w());
    });
  });
  const waitAnswered = async (count: number) => {
    while (answered.length < count) await new Promise<void>((r) => waiters.push(r));
  };
  return { url: `http://127.0.0.1:${port}/v1`, process: child, answered, sent, waitAnswered };
}

function textsFile(texts: string[]): string {
  const p = join(dir, `texts-${texts.length}-${Math.random()}.json`);
  writeFileSync(p, JSON.stringify(texts));
  return p;
}

const params = { ...defaultSampleParams, seed: 7 };

test('a server that ignores n: the rest is drawn as n=1 requests with distinct seeds, at most maxConcurrentRequests at once', async () => {
  const texts = Array.from({ length: 8 }, (_, i) => `answer ${i}`);
  const server = await startOllamaLike({ OLLAMA_LIKE_TEXTS: textsFile(texts), OLLAMA_LIKE_DELAY_MS: '150' });
  const source = new OpenAiCompatibleSource({ baseUrl: server.url, model: 'llama3', endpoint: 'chat', maxConcurrentRequests: 3, retry: { maxRetries: 1, baseDelayMs: 5 } });
  try {
    const samples: SampleResult[] = [];
    const totals = await source.draw({ root: { text: 'fix it', n: 8 } }, params, { onSample: (s) => samples.push(s) }, new AbortController().signal);
    assert.equal(totals.samples, 8);
    assert.deepEqual(samples.map((s) => s.index).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
    // Distinct seeds give distinct answers: eight different texts, not eight copies of one.
    assert.equal(new Set(samples.map((s) => s.text)).size, 8);
    assert.deepEqual(server.answered.map((a) => a.model), Array(8).fill('llama3'));
    assert.equal(server.answered[0]!.n, 8, 'the first request asks for all of them');
    assert.ok(server.answered.slice(1).every((a) => a.n === 1), 'then one per request');
    assert.equal(new Set(server.answered.map((a) => a.seed)).size, server.answered.length, 'every request has its own seed');
    const most = Math.max(...server.answered.map((a) => a.inFlight));
    assert.ok(most <= 3 && most >= 2, `at most 3 requests at once, and more than one (saw ${most})`);
    // The next draw knows: n=1 from the start, no wasted request.
    server.answered.length = 0;
    await source.draw({ root: { text: 'again', n: 3 } }, params, { onSample: () => undefined }, new AbortController().signal);
    assert.deepEqual(server.answered.map((a) => a.n), [1, 1, 1]);
  } finally {
    await source.close();
    server.process.kill();
  }
});

test('cancelling a fallback draw stops the n=1 requests and resolves with what arrived', async () => {
  const server = await startOllamaLike({ OLLAMA_LIKE_DELAY_MS: '200' });
  const source = new OpenAiCompatibleSource({ baseUrl: server.url, model: 'llama3', endpoint: 'chat', maxConcurrentRequests: 2 });
  try {
    const controller = new AbortController();
    const samples: SampleResult[] = [];
    const totals = await source.draw({ root: { text: 'p', n: 40 } }, params, {
      onSample: (s) => {
        samples.push(s);
        if (samples.length === 3) controller.abort();
      },
    }, controller.signal);
    assert.equal(totals.samples, samples.length);
    assert.ok(samples.length >= 3 && samples.length < 8, `${samples.length} samples`);
    const answered = server.answered.length;
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(server.answered.length <= answered + 2, 'requests went on after the cancel');
  } finally {
    await source.close();
    server.process.kill();
  }
});

test('no model name: the one model /v1/models lists is used, never "default"', async () => {
  const server = await startOllamaLike({ OLLAMA_LIKE_MODELS: 'qwen2.5-coder:7b' });
  const source = new OpenAiCompatibleSource({ baseUrl: server.url, model: '', endpoint: 'chat' });
  try {
    const totals = await source.draw({ root: { text: 'p', n: 2 } }, params, { onSample: () => undefined }, new AbortController().signal);
    assert.equal(totals.samples, 2);
    assert.deepEqual(server.answered.map((a) => a.model), ['qwen2.5-coder:7b', 'qwen2.5-coder:7b']);
  } finally {
    await source.close();
    server.process.kill();
  }
});

test('no model name and several models: a clear error that lists them', async () => {
  const server = await startOllamaLike({ OLLAMA_LIKE_MODELS: 'llama3,qwen2.5-coder:7b' });
  const source = new OpenAiCompatibleSource({ baseUrl: server.url, model: '', endpoint: 'chat' });
  try {
    await assert.rejects(source.draw({ root: { text: 'p', n: 2 } }, params, { onSample: () => undefined }, new AbortController().signal), (err: unknown) => {
      assert.ok(err instanceof HydrapatchError);
      assert.equal(err.code, 'no_model_name');
      assert.match(err.message, /serves 2 models: llama3, qwen2\.5-coder:7b/);
      assert.match(err.hint ?? '', /endpointModel|--model-name/);
      return true;
    });
    assert.equal(server.answered.length, 0, 'nothing was sent as "default"');
  } finally {
    await source.close();
    server.process.kill();
  }
});

test('solve --endpoint: the server is killed mid-run; the samples already drawn are verified and reported with the reason', { timeout: 120_000 }, async () => {
  const server = await startOllamaLike({ OLLAMA_LIKE_TEXTS: textsFile(jsSamples.map((s) => s.text)), OLLAMA_LIKE_DELAY_MS: '300' });
  const repo = repoFromFixture('jsStats');
  writeFileSync(join(dir, 'issue.md'), 'mean() in lib/stats.js returns 5/3 for [1, 2, 3]; it should be 2.');
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const cli = spawn(process.execPath, ['--import', 'tsx', cliMain, 'solve', '--repo', repo.dir, '--issue', join(dir, 'issue.md'), '-n', '40', '--seed', '0',
    '--endpoint', server.url, '--model-name', 'llama3', '--test', 'node --test --test-reporter=tap', '--sandbox', 'off', '--yes-run-unsandboxed', '--json', join(dir, 'out.json'),
    // Patches only: every answered request is then one candidate.
    '--repro-tests', '0'], { env });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (d) => (stdout += d));
  cli.stderr.on('data', (d) => (stderr += d));
  try {
    const cliExit = once(cli, 'exit');
    await Promise.race([server.waitAnswered(5), cliExit.then(() => assert.fail(`the CLI exited before 5 samples were drawn: ${stderr.slice(-800)}`))]);
    server.process.kill('SIGKILL');
    // 'close', not 'exit': every line the server printed before the kill has been read.
    await once(server.process, 'close');
    const [code] = await cliExit;
    const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { candidates: unknown[]; samplingFailed?: { message: string }; stoppedEarly: boolean };
    // Every reply the server finished handing to the socket reached the client and is reported; a
    // reply answered but cut by the kill may or may not have (the kill can fall between the socket
    // write and its "sent" line), and nothing the server never answered is.
    const drawn = report.candidates.length;
    assert.ok(server.sent.length <= drawn && drawn <= server.answered.length, `reported ${drawn}, sent ${server.sent.length}, answered ${server.answered.length}; stderr: ${stderr.slice(-800)}`);
    assert.equal(report.stoppedEarly, true);
    assert.match(report.samplingFailed?.message ?? '', new RegExp(`sampling stopped after ${drawn} of 40 samples: .*127\\.0\\.0\\.1`));
    assert.match(stdout, new RegExp(`sampling failed: sampling stopped after ${drawn} of 40`));
    // Seeds 0..drawn-1 answer jsSamples[0..]: the first ones are verified fixes, so the run found one.
    assert.equal(code, 0, stderr.slice(-800));
    assert.match(stdout, /verified/);
  } finally {
    server.process.kill('SIGKILL');
    cli.kill('SIGKILL');
    repo.cleanup();
  }
});
