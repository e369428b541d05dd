// What a client may send wrongly, each answered with its error code, and the server still answering
// afterwards. The server runs without a model here: none of these needs one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { ServerClient } from '../../../src/core/backends/serverClient';
import type { ServerProcess } from '../../../src/core/backends/serverProcess';
import { RawClient, startTestServer } from './serverFixture';

const maxMessageBytes = 64 * 1024;
let server: ServerProcess;
let client: RawClient;

before(async () => {
  server = await startTestServer({ serveArgs: ['--max-message-bytes', String(maxMessageBytes)] });
  client = await RawClient.open(server);
});

after(async () => {
  client.close();
  const exit = await server.stop();
  // It stopped because we asked, not because of anything a test sent.
  assert.equal(exit.requested, true);
  assert.equal(exit.code, 0, `${exit.signal} ${exit.stderrTail}`);
});

const tree = { root: { text: 'def add(a, b):', n: 2 } };

async function refusedUpgrade(headers: Record<string, string>): Promise<{ status: number; code: string }> {
  const err = (await RawClient.open(server, headers).then(
    () => assert.fail('the upgrade was accepted'),
    (e: unknown) => e,
  )) as { status: number; body: { error: { code: string } } };
  return { status: err.status, code: err.body.error.code };
}

test('a WebSocket without a token, or with a wrong one, is refused with unauthorized', async () => {
  assert.deepEqual(await refusedUpgrade({}), { status: 401, code: 'unauthorized' });
  assert.deepEqual(await refusedUpgrade({ authorization: 'Bearer not-the-token' }), { status: 401, code: 'unauthorized' });
  assert.deepEqual(await refusedUpgrade({ authorization: `Bearer ${server.token}x` }), { status: 401, code: 'unauthorized' });
  await client.ping();
});

test('a WebSocket from a foreign Origin is refused with forbidden_origin, even with the token', async () => {
  assert.deepEqual(await refusedUpgrade({ authorization: `Bearer ${server.token}`, origin: 'https://evil.example' }), { status: 403, code: 'forbidden_origin' });
  assert.deepEqual(await refusedUpgrade({ authorization: `Bearer ${server.token}`, origin: `http://127.0.0.1:${server.port + 1}` }), { status: 403, code: 'forbidden_origin' });
  const webview = await RawClient.open(server, { authorization: `Bearer ${server.token}`, origin: 'vscode-webview://abc123' });
  await webview.ping();
  webview.close();
});

test('our WebSocket client reports a refusal with the server\'s code', async () => {
  await assert.rejects(ServerClient.connect({ url: server.wsUrl, token: 'wrong-token' }), { code: 'unauthorized' });
  await assert.rejects(ServerClient.connect({ url: `ws://127.0.0.1:${server.port}/elsewhere`, token: server.token }), { code: 'not_found' });
  const good = await ServerClient.connect({ url: server.wsUrl, token: server.token });
  assert.equal(good.modelInfo, null);
  await good.close();
});

test('a hello in another protocol version is protocol_mismatch', async () => {
  assert.equal((await client.errorFor({ type: 'hello', protocol: 99 })).code, 'protocol_mismatch');
  await client.ping();
});

test('HTTP requests need the bearer token and no foreign Origin', async () => {
  const noToken = await request(`${server.httpBaseUrl}/models`);
  assert.equal(noToken.statusCode, 401);
  assert.equal(((await noToken.body.json()) as { error: { code: string } }).error.code, 'unauthorized');
  const foreign = await request(`${server.httpBaseUrl}/models`, { headers: { authorization: `Bearer ${server.token}`, origin: 'http://localhost:1' } });
  assert.equal(foreign.statusCode, 403);
  assert.equal(((await foreign.body.json()) as { error: { code: string } }).error.code, 'forbidden_origin');
  const ok = await request(`${server.httpBaseUrl}/models`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(ok.statusCode, 200);
  await ok.body.dump();
});

test('malformed JSON is bad_json', async () => {
  assert.equal((await client.errorFor('{"type":"sample", "id": ')).code, 'bad_json');
  await client.ping();
});

test('an unknown message type is unknown_message, answered under its id', async () => {
  assert.deepEqual(await client.errorFor({ type: 'reboot', id: 'r1' }).then((e) => [e.code, e.id]), ['unknown_message', 'r1']);
  await client.ping();
});

test('an oversized message is message_too_large and the connection stays usable', async () => {
  const e = await client.errorFor({ type: 'sample', id: 'big', tree: { root: { text: 'x'.repeat(maxMessageBytes + 1), n: 1 } } });
  assert.equal(e.code, 'message_too_large');
  await client.ping();
});

test('a message beyond the hard limit closes that connection (1009); new ones are served', async () => {
  const victim = await RawClient.open(server);
  const closed = new Promise<number>((resolve) => victim.socket.once('close', (code) => resolve(code)));
  victim.send('x'.repeat(maxMessageBytes * 4 + 1));
  assert.equal(await closed, 1009);
  const fresh = await RawClient.open(server);
  await fresh.ping();
  fresh.close();
  await client.ping();
});

test('an oversized HTTP body is 413 message_too_large', async () => {
  const res = await request(`${server.httpBaseUrl}/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', prompt: 'y'.repeat(maxMessageBytes * 2) }),
  });
  assert.equal(res.statusCode, 413);
  assert.equal(((await res.body.json()) as { error: { code: string } }).error.code, 'message_too_large');
  await client.ping();
});

test('n ≤ 0 or beyond the limit of 1000 is invalid_n (WebSocket and HTTP)', async () => {
  for (const n of [0, -1, 1001]) {
    const e = await client.errorFor({ type: 'sample', id: `n${n}`, tree: { root: { text: 'a', n } } });
    assert.deepEqual([e.code, e.id], ['invalid_n', `n${n}`]);
  }
  const e = await client.errorFor({ type: 'sample', id: 'sum', tree: { root: { text: 'a', children: [{ text: 'b', n: 999 }, { text: 'c', n: 2 }] } } });
  assert.equal(e.code, 'invalid_n');
  for (const body of [{ prompt: 'a', n: 1001 }, { prompt: 'a', n: 0 }, { prompt: ['a', 'b', 'c'], n: 400 }]) {
    const res = await request(`${server.httpBaseUrl}/completions`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: JSON.stringify({ model: 'm', ...body }) });
    assert.equal(res.statusCode, 400);
    assert.equal(((await res.body.json()) as { error: { code: string } }).error.code, 'invalid_n', JSON.stringify(body));
  }
  await client.ping();
});

test('negative or NaN temperature and top_p outside (0,1] are invalid_params', async () => {
  // JSON has no NaN: JSON.stringify sends null, and a hand-written client may send "NaN".
  for (const params of [{ temperature: -1 }, { temperature: Number.NaN }, { temperature: 'NaN' }, { topP: 0 }, { topP: 1.5 }, { topP: -0.2 }]) {
    const e = await client.errorFor({ type: 'sample', id: 'p', tree, params });
    assert.equal(e.code, 'invalid_params', JSON.stringify(params));
  }
  for (const body of [{ temperature: -0.5 }, { top_p: 0 }, { top_p: 2 }]) {
    const res = await request(`${server.httpBaseUrl}/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ model: 'm', prompt: 'a', ...body }),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(((await res.body.json()) as { error: { code: string } }).error.code, 'invalid_params', JSON.stringify(body));
  }
  await client.ping();
});

test('an empty prompt tree is empty_prompt', async () => {
  for (const root of [{ n: 1 }, { text: '', n: 3 }, { text: '', children: [{ text: '', n: 1 }] }]) {
    assert.equal((await client.errorFor({ type: 'sample', id: 'e', tree: { root } })).code, 'empty_prompt');
  }
  await client.ping();
});

test('an unknown model path is model_not_found', async () => {
  const e = await client.errorFor({ type: 'load', id: 'l1', model: join(tmpdir(), 'no-such-model-here.gguf') });
  assert.deepEqual([e.code, e.id], ['model_not_found', 'l1']);
  await client.ping();
});

test('a model file that fails to load gets the loader error and nothing stays loaded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-bad-model-'));
  const file = join(dir, 'broken.gguf');
  writeFileSync(file, Buffer.from('this is not a gguf file, just text pretending to be one'));
  const e = await client.errorFor({ type: 'load', id: 'l2', model: file });
  assert.equal(e.id, 'l2');
  assert.match(e.code, /^model_/);
  assert.ok(e.message.includes(file), e.message);
  client.send({ type: 'stats', id: 's' });
  const stats = await client.next((m) => m.type === 'stats');
  assert.ok(stats.type === 'stats' && stats.stats.models.length === 0);
});

test('sampling with no model loaded is no_model', async () => {
  assert.equal((await client.errorFor({ type: 'sample', id: 'nm', tree })).code, 'no_model');
  await client.ping();
});

test('cancel of an unknown job is unknown_job', async () => {
  const e = await client.errorFor({ type: 'cancel', id: 'never-started' });
  assert.deepEqual([e.code, e.id], ['unknown_job', 'never-started']);
  await client.ping();
});

test('binary frames, wrong paths and garbage HTTP do not hurt the server', async () => {
  client.socket.send(Buffer.from([0, 1, 2, 3]));
  assert.equal((await client.next((m) => m.type === 'error')).type, 'error');
  const res = await request(`http://127.0.0.1:${server.port}/admin`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(res.statusCode, 404);
  await res.body.dump();
  const bad = await request(`${server.httpBaseUrl}/completions`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '{"prompt": "x", ' });
  assert.equal(bad.statusCode, 400);
  assert.equal(((await bad.body.json()) as { error: { code: string } }).error.code, 'bad_json');
  await client.ping();
});

test('300 randomly mangled messages each get exactly one answer, and the server lives on', async () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const junk = (): unknown => pick<unknown>([null, -1, 0, 1.5, 1e308, '', 'x', '../../etc/passwd', [], {}, true, [1, 'a'], { children: [{}] }, 'y'.repeat(1000), { root: { text: 'a', n: 2 } }]);
  const templates: Record<string, unknown>[] = [
    { type: 'sample', id: 'f', tree: { root: { text: 'a', children: [{ text: 'b', n: 2 }] } }, params: { temperature: 0.5, topP: 0.9, seed: 1 } },
    { type: 'load', id: 'f', model: '/nonexistent/model.gguf' },
    { type: 'cancel', id: 'f' },
    { type: 'stats', id: 'f' },
    { type: 'hello', protocol: 1 },
  ];
  const mangle = (value: unknown, depth: number): unknown => {
    if (depth > 3 || typeof value !== 'object' || value === null) return rand() < 0.3 ? junk() : value;
    const out: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
    for (const k of Object.keys(out)) if (rand() < 0.4) out[k] = mangle(out[k], depth + 1);
    if (rand() < 0.1) out[pick(['extra', 'type', 'id', '__proto__'])] = junk();
    return out;
  };
  const fuzz = await RawClient.open(server);
  const sent = 300;
  for (let i = 0; i < sent; i++) {
    const m = mangle(structuredClone(pick(templates)), 0) as Record<string, unknown>;
    // Ids of jobs that might start must differ, so that no answer is "already running".
    if (typeof m.id === 'string' && m.type === 'sample') m.id = `f${i}`;
    fuzz.send(rand() < 0.05 ? JSON.stringify(m).slice(0, -3) : m);
  }
  const deadline = Date.now() + 60_000;
  while (fuzz.messages.length < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(fuzz.messages.length, sent, 'one answer per message');
  await fuzz.ping();
  fuzz.close();
  await client.ping();
});
