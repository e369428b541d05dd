// The OpenAI-compatible client against a stand-in remote server on loopback that misbehaves on
// purpose (the client is what is under test; the stand-in only plays the network's part).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAiCompatibleSource } from '../../../../src/core/backends/openaiClient';
import { defaultSampleParams, type SampleResult } from '../../../../src/protocol/sampling';

type Handler = (body: Record<string, unknown>, res: ServerResponse, call: number) => void;
const servers: ReturnType<typeof createServer>[] = [];
after(() => servers.forEach((s) => s.close()));

async function remote(handler: Handler): Promise<{ url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      bodies.push(body);
      handler(body, res, bodies.length);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies };
}

const event = (res: ServerResponse, choices: object[]) => res.write(`data: ${JSON.stringify({ object: 'text_completion', choices })}\n\n`);
const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const fast = { baseDelayMs: 5, maxDelayMs: 20 };
const params = { ...defaultSampleParams, seed: 7 };

async function drawAll(source: OpenAiCompatibleSource, n: number, signal = new AbortController().signal) {
  const samples: SampleResult[] = [];
  const totals = await source.draw({ root: { text: 'p', n } }, params, { onSample: (s) => samples.push(s) }, signal);
  return { samples: samples.sort((a, b) => a.index - b.index), totals };
}

test('sends n and the sampling parameters, and assembles streamed pieces per choice', async () => {
  const r = await remote((body, res) => {
    sse(res);
    for (let i = 0; i < (body.n as number); i++) event(res, [{ index: i, text: `s${i}-` }]);
    for (let i = 0; i < (body.n as number); i++) event(res, [{ index: i, text: 'end', finish_reason: i === 0 ? 'length' : 'stop', logprobs: { token_logprobs: [-1, -0.5] } }]);
    res.end('data: [DONE]\n\n');
  });
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm', apiKey: 'k' });
  const { samples } = await drawAll(source, 3);
  assert.deepEqual(samples.map((s) => [s.index, s.text, s.finishReason, s.tokenCount, s.logprob]), [
    [0, 's0-end', 'length', 2, -1.5],
    [1, 's1-end', 'stop', 2, -1.5],
    [2, 's2-end', 'stop', 2, -1.5],
  ]);
  assert.equal(r.bodies.length, 1);
  assert.deepEqual({ ...r.bodies[0], stream_options: undefined }, { model: 'm', prompt: 'p', n: 3, temperature: 0.8, top_p: 0.95, max_tokens: 512, seed: 7, stream: true, stream_options: undefined, logprobs: 0 });
  await source.close();
});

test('503s are retried with backoff, then the samples arrive once each', async () => {
  const r = await remote((body, res, call) => {
    if (call <= 2) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"busy","code":"overloaded"}}');
      return;
    }
    sse(res);
    for (let i = 0; i < (body.n as number); i++) event(res, [{ index: i, text: `t${i}`, finish_reason: 'stop' }]);
    res.end('data: [DONE]\n\n');
  });
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm', retry: fast });
  const { samples } = await drawAll(source, 2);
  assert.equal(r.bodies.length, 3);
  assert.deepEqual(samples.map((s) => s.text), ['t0', 't1']);
  await source.close();
});

test('a stream cut short is retried for the missing samples only, keeping their indices', async () => {
  const r = await remote((body, res, call) => {
    sse(res);
    if (call === 1) {
      res.write(`data: ${JSON.stringify({ choices: [{ index: 1, text: 'first-try-1', finish_reason: 'stop' }] })}\n\n`, () => setTimeout(() => res.destroy(), 20));
      return;
    }
    for (let i = 0; i < (body.n as number); i++) event(res, [{ index: i, text: `retry-${i}`, finish_reason: 'stop' }]);
    res.end('data: [DONE]\n\n');
  });
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm', retry: fast });
  const { samples } = await drawAll(source, 3);
  assert.deepEqual(r.bodies.map((b) => b.n), [3, 2]);
  // Sample 1 came in the first try; samples 0 and 2 are the retry's choices 0 and 1.
  assert.deepEqual(samples.map((s) => [s.index, s.text]), [[0, 'retry-0'], [1, 'first-try-1'], [2, 'retry-1']]);
  await source.close();
});

test('a 400 is not retried and carries the server code and message', async () => {
  const r = await remote((_b, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"n too big","code":"invalid_n","hint":"less"}}'));
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm', retry: fast });
  await assert.rejects(drawAll(source, 2), (e: { code: string; message: string; hint: string }) => e.code === 'invalid_n' && e.message.includes('n too big') && e.hint === 'less');
  assert.equal(r.bodies.length, 1);
  await source.close();
});

test('large n is split into requests of at most maxNPerRequest, indices continuing', async () => {
  const r = await remote((body, res) => {
    sse(res);
    for (let i = 0; i < (body.n as number); i++) event(res, [{ index: i, text: `seed${body.seed}`, finish_reason: 'stop' }]);
    res.end('data: [DONE]\n\n');
  });
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm', maxNPerRequest: 4 });
  const { samples } = await drawAll(source, 10);
  assert.deepEqual(r.bodies.map((b) => b.n).sort(), [2, 4, 4]);
  assert.deepEqual(samples.map((s) => s.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(samples.map((s) => s.text), ['seed7', 'seed7', 'seed7', 'seed7', 'seed11', 'seed11', 'seed11', 'seed11', 'seed15', 'seed15']);
  await source.close();
});

test('aborting mid-stream stops the request and resolves with the samples delivered', async () => {
  let closed!: () => void;
  const gone = new Promise<void>((r) => (closed = r));
  const r = await remote((_b, res) => {
    sse(res);
    event(res, [{ index: 0, text: 'done-one', finish_reason: 'stop' }]);
    res.on('close', closed);
  });
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm' });
  const controller = new AbortController();
  const samples: SampleResult[] = [];
  const totals = await source.draw({ root: { text: 'p', n: 5 } }, params, { onSample: (s) => (samples.push(s), controller.abort()) }, controller.signal);
  assert.equal(totals.samples, 1);
  assert.equal(samples.length, 1);
  await gone;
  await source.close();
});

test('a server that is not there is retried, then reported as unreachable', async () => {
  const r = await remote(() => undefined);
  servers.at(-1)!.close();
  const source = new OpenAiCompatibleSource({ baseUrl: r.url, model: 'm', retry: { ...fast, maxRetries: 2 } });
  await assert.rejects(drawAll(source, 1), { code: 'server_unreachable' });
  await source.close();
});
