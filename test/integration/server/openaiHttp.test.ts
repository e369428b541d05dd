// The OpenAI-compatible HTTP API with a real (tiny, generated) model, driven by the official `openai`
// npm client, unmodified, and by our own OpenAI-compatible client; both cross-checked against the
// WebSocket protocol, which must give the same samples for the same seed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OpenAiCompatibleSource } from '../../../src/core/backends/openaiClient';
import { ServerClient } from '../../../src/core/backends/serverClient';
import type { ServerProcess } from '../../../src/core/backends/serverProcess';
import { defaultSampleParams, type SampleResult } from '../../../src/protocol/sampling';
import { testModel } from '../../helpers/models';
import { startTestServer } from './serverFixture';

const model = testModel();
let server: ServerProcess;
let sdk: OpenAI;
let ws: ServerClient;

before(async () => {
  server = await startTestServer({ model: model.gguf });
  sdk = new OpenAI({ baseURL: server.httpBaseUrl, apiKey: server.token, maxRetries: 0 });
  ws = await ServerClient.connect({ url: server.wsUrl, token: server.token });
});

after(async () => {
  await ws.close();
  const exit = await server.stop();
  assert.equal(exit.code, 0, exit.stderrTail);
});

const prompt = 'def fibonacci(n):';

async function wsTexts(n: number, seed: number, maxTokens: number): Promise<string[]> {
  const samples: SampleResult[] = [];
  await ws.draw({ root: { text: prompt, n } }, { ...defaultSampleParams, temperature: 0.8, topP: 1, seed, maxTokens }, { onSample: (s) => samples.push(s) }, new AbortController().signal);
  return samples.sort((a, b) => a.index - b.index).map((s) => s.text);
}

test('GET /v1/models lists the loaded model', async () => {
  const list = await sdk.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['model.gguf']);
});

test('the openai client gets n > 1 completions, the same as over the WebSocket', async () => {
  const r = await sdk.completions.create({ model: 'model.gguf', prompt, n: 4, max_tokens: 8, temperature: 0.8, seed: 3 });
  assert.equal(r.choices.length, 4);
  assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2, 3]);
  for (const c of r.choices) assert.ok(c.finish_reason === 'length' || c.finish_reason === 'stop');
  assert.deepEqual(r.choices.map((c) => c.text), await wsTexts(4, 3, 8));
  assert.ok(r.usage && r.usage.completion_tokens > 0 && r.usage.prompt_tokens > 0);
});

test('the openai client streams n > 1 completions: every choice index once, finished, same texts', async () => {
  const stream = await sdk.completions.create({ model: 'model.gguf', prompt, n: 5, max_tokens: 8, temperature: 0.8, seed: 4, stream: true, stream_options: { include_usage: true } });
  const texts = new Map<number, string>();
  const finished = new Set<number>();
  let usage = 0;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      texts.set(c.index, (texts.get(c.index) ?? '') + c.text);
      if (c.finish_reason) finished.add(c.index);
    }
    if (chunk.usage) usage = chunk.usage.completion_tokens;
  }
  assert.deepEqual([...finished].sort(), [0, 1, 2, 3, 4]);
  assert.ok(usage > 0);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => texts.get(i)), await wsTexts(5, 4, 8));
});

test('chat completions, whole and streamed, with n > 1', async () => {
  const messages = [{ role: 'user' as const, content: 'Say hi' }];
  const whole = await sdk.chat.completions.create({ model: 'model.gguf', messages, n: 3, max_tokens: 6, seed: 8 });
  assert.equal(whole.choices.length, 3);
  const stream = await sdk.chat.completions.create({ model: 'model.gguf', messages, n: 3, max_tokens: 6, seed: 8, stream: true });
  const texts = new Map<number, string>();
  for await (const chunk of stream) for (const c of chunk.choices) texts.set(c.index, (texts.get(c.index) ?? '') + (c.delta.content ?? ''));
  assert.deepEqual([0, 1, 2].map((i) => texts.get(i)), whole.choices.map((c) => c.message.content));
});

test('the openai client sees our errors as OpenAI errors with our code', async () => {
  await assert.rejects(sdk.completions.create({ model: 'model.gguf', prompt, n: 0 }), (e: { status: number; code: string }) => e.status === 400 && e.code === 'invalid_n');
  const wrongKey = new OpenAI({ baseURL: server.httpBaseUrl, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(wrongKey.models.list(), (e: { status: number; code: string }) => e.status === 401 && e.code === 'unauthorized');
});

test('our OpenAI-compatible client draws from our own server: the same samples as the WebSocket', async () => {
  const source = new OpenAiCompatibleSource({ baseUrl: server.httpBaseUrl, model: 'model.gguf', apiKey: server.token, maxNPerRequest: 1000 });
  const samples: SampleResult[] = [];
  const totals = await source.draw({ root: { text: prompt, n: 6 } }, { ...defaultSampleParams, temperature: 0.8, topP: 1, seed: 11, maxTokens: 8 }, { onSample: (s) => samples.push(s) }, new AbortController().signal);
  samples.sort((a, b) => a.index - b.index);
  assert.equal(totals.samples, 6);
  assert.deepEqual(samples.map((s) => s.text), await wsTexts(6, 11, 8));
  for (const s of samples) assert.ok(s.tokenCount >= 1 && s.tokenCount <= 8 && s.logprob <= 0);
  await source.close();
});

test('our client in chat mode sends the flattened prompt as one user message', async () => {
  const source = new OpenAiCompatibleSource({ baseUrl: server.httpBaseUrl, model: 'model.gguf', apiKey: server.token, endpoint: 'chat' });
  const samples: SampleResult[] = [];
  await source.draw({ root: { text: 'Say ', children: [{ text: 'hi', n: 3 }] } }, { ...defaultSampleParams, temperature: 0.8, topP: 1, seed: 8, maxTokens: 6 }, { onSample: (s) => samples.push(s) }, new AbortController().signal);
  const reference = await sdk.chat.completions.create({ model: 'model.gguf', messages: [{ role: 'user', content: 'Say hi' }], n: 3, max_tokens: 6, seed: 8, temperature: 0.8, top_p: 1 });
  assert.deepEqual(samples.sort((a, b) => a.index - b.index).map((s) => s.text), reference.choices.map((c) => c.message.content));
  await source.close();
});

test('a disconnecting HTTP client stops its job', async () => {
  const controller = new AbortController();
  const pending = sdk.completions.create({ model: 'model.gguf', prompt, n: 32, max_tokens: 200, stream: true }, { signal: controller.signal });
  const stream = await pending;
  for await (const chunk of stream) {
    void chunk;
    break;
  }
  controller.abort();
  const deadline = Date.now() + 30_000;
  let stats = await ws.stats();
  while ((stats.jobsRunning > 0 || stats.kvBytesInUse > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    stats = await ws.stats();
  }
  assert.equal(stats.jobsRunning, 0);
  assert.equal(stats.kvBytesInUse, 0);
});
