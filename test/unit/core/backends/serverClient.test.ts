// The WebSocket client against a stand-in server speaking the protocol (the real server is exercised
// in test/integration/server): what the client does when the server vanishes, misbehaves, or races
// a cancel with the end of the job.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ServerClient } from '../../../../src/core/backends/serverClient';
import { defaultSampleParams, type SampleResult } from '../../../../src/protocol/sampling';

type Script = (socket: WebSocket, message: { type: string; id?: string }) => void;
const servers: WebSocketServer[] = [];
after(() => servers.forEach((s) => s.close()));

async function standIn(script: Script): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; id?: string };
      if (m.type === 'hello') socket.send(JSON.stringify({ type: 'ready', protocol: 1, model: null }));
      else script(socket, m);
    });
  });
  await new Promise((r) => wss.once('listening', r));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
}

const sample = (index: number) => ({ index, leaf: 0, text: `s${index}`, finishReason: 'eos', tokenCount: 1, logprob: -1 });
const totals = (samples: number) => ({ samples, promptTokens: 3, generatedTokens: samples, prefillMs: 1, decodeMs: 1, kvBytesPeak: 0, attention: 'hydragen' });
const tree = { root: { text: 'p', n: 3 } };

test('a server that dies mid-job fails the draw with server_disconnected, after the samples it sent', async () => {
  const url = await standIn((socket, m) => {
    if (m.type !== 'sample') return;
    socket.send(JSON.stringify({ type: 'sample', id: m.id, sample: sample(0) }));
    setTimeout(() => socket.terminate(), 20);
  });
  const client = await ServerClient.connect({ url, token: 't' });
  const got: SampleResult[] = [];
  await assert.rejects(client.draw(tree, defaultSampleParams, { onSample: (s) => got.push(s) }, new AbortController().signal), { code: 'server_disconnected' });
  assert.deepEqual(got.map((s) => s.index), [0]);
  await assert.rejects(client.stats(), { code: 'server_disconnected' });
});

test('messages that break the protocol are dropped, the valid ones still count', async () => {
  const url = await standIn((socket, m) => {
    if (m.type !== 'sample') return;
    socket.send('not json');
    socket.send(JSON.stringify({ type: 'sample', id: m.id, sample: { ...sample(0), finishReason: 'bored' } }));
    socket.send(JSON.stringify({ type: 'sample', id: m.id, sample: sample(1) }));
    socket.send(JSON.stringify({ type: 'done', id: m.id, cancelled: false, totals: totals(1), timings: { firstSampleMs: 1, totalMs: 2 } }));
  });
  const client = await ServerClient.connect({ url, token: 't' });
  const got: SampleResult[] = [];
  const t = await client.draw(tree, defaultSampleParams, { onSample: (s) => got.push(s) }, new AbortController().signal);
  assert.deepEqual(got.map((s) => s.index), [1]);
  assert.equal(t.samples, 1);
  await client.close();
});

test('abort sends cancel; an unknown_job answer (the job had just ended) does not fail the draw', async () => {
  const seen: string[] = [];
  const url = await standIn((socket, m) => {
    seen.push(m.type);
    if (m.type === 'sample') socket.send(JSON.stringify({ type: 'sample', id: m.id, sample: sample(0) }));
    if (m.type === 'cancel') {
      socket.send(JSON.stringify({ type: 'done', id: m.id, cancelled: false, totals: totals(1), timings: { firstSampleMs: 1, totalMs: 2 } }));
      socket.send(JSON.stringify({ type: 'error', id: m.id, error: { code: 'unknown_job', message: 'gone' } }));
    }
  });
  const client = await ServerClient.connect({ url, token: 't' });
  const controller = new AbortController();
  const t = await client.draw(tree, defaultSampleParams, { onSample: () => controller.abort() }, controller.signal);
  assert.equal(t.samples, 1);
  assert.deepEqual(seen, ['sample', 'cancel']);
  // The connection is still good for the next job.
  const again = await client.draw(tree, defaultSampleParams, { onSample: () => undefined }, AbortSignal.abort());
  assert.equal(again.samples, 0);
  await client.close();
});

test('a job error arrives as a HydrapatchError with the server code and hint', async () => {
  const url = await standIn((socket, m) => {
    if (m.type === 'sample') socket.send(JSON.stringify({ type: 'error', id: m.id, error: { code: 'bad_tree', message: 'too long', hint: 'shorten it' } }));
  });
  const client = await ServerClient.connect({ url, token: 't' });
  await assert.rejects(client.draw(tree, defaultSampleParams, { onSample: () => undefined }, new AbortController().signal), { code: 'bad_tree', message: 'too long', hint: 'shorten it' });
  await client.close();
});
