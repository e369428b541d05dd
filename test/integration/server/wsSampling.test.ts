// The WebSocket protocol with a real (tiny, generated) model: samples stream per job, several jobs and
// clients at once, cancel, a client vanishing mid-job, and a prompt longer than the context.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerClient } from '../../../src/core/backends/serverClient';
import type { ServerProcess } from '../../../src/core/backends/serverProcess';
import type { PromptTree } from '../../../src/protocol/promptTree';
import { defaultSampleParams, type SampleResult } from '../../../src/protocol/sampling';
import { testModel } from '../../helpers/models';
import { RawClient, startTestServer } from './serverFixture';

const model = testModel();
const kvBudget = 8 * 2 ** 20;
let server: ServerProcess;
let client: ServerClient;

before(async () => {
  server = await startTestServer({ model: model.gguf, kvBudgetBytes: kvBudget });
  client = await ServerClient.connect({ url: server.wsUrl, token: server.token });
});

after(async () => {
  await client.close();
  const exit = await server.stop();
  assert.equal(exit.code, 0, exit.stderrTail);
});

const tree: PromptTree = {
  root: { text: 'The quick brown fox', children: [{ text: ' jumps over', n: 3, label: 'a' }, { text: ' sleeps under', children: [{ text: ' the', n: 2 }, { text: ' a', n: 1 }] }] },
};

async function draw(c: ServerClient, t: PromptTree, params: Partial<typeof defaultSampleParams>, signal = new AbortController().signal) {
  const samples: SampleResult[] = [];
  const totals = await c.draw(t, { ...defaultSampleParams, ...params }, { onSample: (s) => samples.push(s) }, signal);
  return { samples: samples.sort((a, b) => a.index - b.index), totals };
}

async function idle(c: ServerClient) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const stats = await c.stats();
    if ((stats.jobsRunning === 0 && stats.kvBytesInUse === 0) || Date.now() > deadline) return stats;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('hello reports the loaded model; the engine runs within --kv-budget', async () => {
  assert.equal(client.modelInfo?.path, model.gguf);
  assert.equal(client.modelInfo?.contextLength, model.spec.contextLength);
  const engine = (await client.stats()).engines[0] as { kvBudgetBytes: number };
  assert.ok(engine.kvBudgetBytes > 0 && engine.kvBudgetBytes <= kvBudget, `engine budget ${engine.kvBudgetBytes}`);
});

test('a 2-level tree gives each sample once, with its leaf and label, within max_tokens', async () => {
  const { samples, totals } = await draw(client, tree, { temperature: 0.9, maxTokens: 12, seed: 5 });
  assert.deepEqual(samples.map((s) => s.index), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(samples.map((s) => s.leaf), [0, 0, 0, 1, 1, 2]);
  assert.deepEqual(samples.map((s) => s.label), ['a', 'a', 'a', undefined, undefined, undefined]);
  assert.equal(totals.samples, 6);
  for (const s of samples) {
    assert.ok(s.tokenCount >= 0 && s.tokenCount <= 12, `tokenCount ${s.tokenCount}`);
    assert.equal(s.finishReason === 'length', s.tokenCount === 12);
    assert.ok(Number.isFinite(s.logprob) && s.logprob <= 0);
  }
  // The engine counts an EOS token as generated, but it is not part of the sample.
  const eos = samples.filter((s) => s.finishReason === 'eos').length;
  assert.equal(totals.generatedTokens, samples.reduce((t, s) => t + s.tokenCount, 0) + eos);
});

test('a sample that finishes early is sent at once, while the job goes on', async () => {
  // Seeded sampling is batch-invariant: sample 0 of the same prompt and seed repeats its text, so a
  // stop string taken from that text makes it finish after a step or two while the others run long.
  const prompt = { text: 'Once upon a time' };
  const first = await draw(client, { root: { ...prompt, n: 1 } }, { temperature: 1, seed: 1, maxTokens: 6 });
  const stop = [...first.samples[0]!.text].find((ch) => ch.trim() !== '');
  assert.ok(stop, 'the first sample has no visible character to stop on');
  const raw = await RawClient.open(server);
  raw.send({ type: 'sample', id: 'stream', tree: { root: { ...prompt, n: 4 } }, params: { temperature: 1, seed: 1, maxTokens: 160, stop: [stop] } });
  const done = await raw.next((m) => m.type === 'done' && m.id === 'stream');
  assert.ok(done.type === 'done' && done.timings.firstSampleMs !== null && done.timings.firstSampleMs < done.timings.totalMs);
  const mine = raw.messages.filter((m) => 'id' in m && m.id === 'stream');
  const early = mine.findIndex((m) => m.type === 'sample' && m.sample.index === 0);
  assert.ok(early >= 0);
  const s0 = mine[early]!;
  assert.ok(s0.type === 'sample' && s0.sample.finishReason === 'stop');
  const longest = Math.max(...mine.map((m) => (m.type === 'sample' ? m.sample.tokenCount : 0)));
  assert.ok(longest > 40, `the other samples stopped early too (longest ${longest} tokens): pick another seed`);
  // Others ran on for many steps after sample 0 had been sent: the job's progress came after it.
  assert.ok(mine.slice(early + 1).some((m) => m.type === 'progress'), `message order: ${mine.map((m) => m.type).join(',')}`);
  raw.close();
});

test('same seed, same samples: on another connection, and with other jobs running beside it', async () => {
  const params = { temperature: 1, maxTokens: 10, seed: 42 };
  const alone = await draw(client, tree, params);
  const other = await ServerClient.connect({ url: server.wsUrl, token: server.token });
  const [a, b, c] = await Promise.all([draw(other, tree, params), draw(client, { root: { text: 'noise', n: 4 } }, { ...params, seed: 9 }), draw(client, tree, params)]);
  assert.deepEqual(a.samples.map((s) => s.text), alone.samples.map((s) => s.text));
  assert.deepEqual(c.samples.map((s) => s.text), alone.samples.map((s) => s.text));
  assert.equal(b.samples.length, 4);
  await other.close();
});

test('greedy samples of one leaf are identical; stop strings are not in the text', async () => {
  const { samples } = await draw(client, { root: { text: 'abc', n: 4 } }, { temperature: 0, maxTokens: 16 });
  assert.equal(new Set(samples.map((s) => s.text)).size, 1);
  const text = samples[0]!.text;
  assert.ok(text.length >= 4, `greedy text too short to cut: ${JSON.stringify(text)}`);
  const stop = text.slice(2, 4);
  const stopped = await draw(client, { root: { text: 'abc', n: 2 } }, { temperature: 0, maxTokens: 16, stop: [stop] });
  for (const s of stopped.samples) {
    assert.equal(s.finishReason, 'stop');
    assert.equal(s.text, text.slice(0, text.indexOf(stop)));
  }
});

test('cancel stops the job: done says cancelled and its memory is freed', async () => {
  const raw = await RawClient.open(server);
  raw.send({ type: 'sample', id: 'long', tree: { root: { text: 'Tell me everything', n: 32 } }, params: { maxTokens: 200, temperature: 1 } });
  await raw.next((m) => m.type === 'progress' && m.id === 'long');
  raw.send({ type: 'cancel', id: 'long' });
  const done = await raw.next((m) => m.type === 'done' && m.id === 'long');
  assert.ok(done.type === 'done' && done.cancelled);
  assert.ok(done.type === 'done' && done.totals.generatedTokens < 32 * 200);
  const stats = await idle(client);
  assert.equal(stats.jobsRunning, 0);
  assert.equal(stats.kvBytesInUse, 0);
  raw.close();
});

test('a client that disconnects mid-job gets its job cancelled and its memory freed', async () => {
  const raw = await RawClient.open(server);
  raw.send({ type: 'sample', id: 'orphan', tree: { root: { text: 'A very long story', n: 48 } }, params: { maxTokens: 240, temperature: 1 } });
  await raw.next((m) => m.type === 'progress' && m.id === 'orphan');
  const during = await client.stats();
  assert.equal(during.jobsRunning, 1);
  assert.ok(during.kvBytesInUse > 0);
  raw.socket.terminate();
  const stats = await idle(client);
  assert.equal(stats.jobsRunning, 0);
  assert.equal(stats.kvBytesInUse, 0);
  assert.equal(stats.connections, 1);
});

test('aborting a draw sends cancel and resolves with what had arrived', async () => {
  const controller = new AbortController();
  let got = 0;
  const totals = await client.draw({ root: { text: 'Count to a thousand', n: 16 } }, { ...defaultSampleParams, maxTokens: 200, temperature: 1 }, {
    onSample: () => got++,
    onProgress: () => controller.abort(),
  }, controller.signal);
  assert.ok((totals.samples ?? 0) <= 16);
  assert.ok(got <= 16);
  assert.equal((await idle(client)).kvBytesInUse, 0);
});

test('a prompt longer than the context is refused (the engine\'s bad_tree), and the server still answers', async () => {
  const tokens = Array.from({ length: model.spec.contextLength + 10 }, (_, i) => 10 + (i % 100));
  await assert.rejects(draw(client, { root: { tokens, n: 2 } }, { maxTokens: 4 }), (e: { code: string; message: string }) => e.code === 'bad_tree' && /context/.test(e.message));
  const ok = await draw(client, { root: { text: 'still there?', n: 1 } }, { maxTokens: 2 });
  assert.equal(ok.samples.length, 1);
});
