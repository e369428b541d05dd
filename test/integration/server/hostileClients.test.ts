// A real server process against clients that misbehave on purpose (issue 17, items 9-11): a model
// path that is a FIFO, sockets that dribble their headers, a client that sends but never reads.
// Every case checks that the other clients are still served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerProcess } from '../../../src/core/backends/serverProcess';
import { RawClient, startTestServer } from './serverFixture';

const dir = mkdtempSync(join(tmpdir(), 'hp-hostile-clients-'));
let server: ServerProcess;

test.before(async () => {
  server = await startTestServer({ serveArgs: ['--headers-timeout-ms', '1500', '--max-queued-bytes', String(1 << 20)] });
});
test.after(async () => {
  await server?.stop(2000);
  rmSync(dir, { recursive: true, force: true });
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

async function modelsStatus(): Promise<number> {
  const res = await fetch(`${server.httpBaseUrl}/models`, { headers: { authorization: `Bearer ${server.token}` }, signal: AbortSignal.timeout(5000) });
  await res.text();
  return res.status;
}

test('loading a FIFO as a model is refused at once, and other clients are served meanwhile', async () => {
  const fifo = join(dir, 'model.gguf');
  execFileSync('mkfifo', [fifo]);
  const loader = await RawClient.open(server);
  const other = await RawClient.open(server);
  try {
    const err = await withTimeout(loader.errorFor({ type: 'load', id: 'l1', model: fifo }), 5000, 'load of a FIFO');
    assert.equal(err.code, 'model_not_found');
    assert.match(err.message, /model\.gguf: is a FIFO \(named pipe\), not a regular file/);
    await withTimeout(other.ping(), 5000, 'ping of another client');
    // A folder whose config.json is a FIFO: the same, not a hang.
    const folder = join(dir, 'hf');
    execFileSync('mkdir', [folder]);
    execFileSync('mkfifo', [join(folder, 'config.json')]);
    const err2 = await withTimeout(loader.errorFor({ type: 'load', id: 'l2', model: folder }), 5000, 'load of a folder with a FIFO config.json');
    assert.match(err2.message, /config\.json: is a FIFO/);
    assert.equal(await modelsStatus(), 200);
  } finally {
    loader.close();
    other.close();
  }
});

test('sockets that dribble an unfinished header (or send nothing) are closed by the server', async () => {
  const sockets: Socket[] = [];
  const closed: Promise<number>[] = [];
  const opened = performance.now();
  for (let i = 0; i < 20; i++) {
    const s = connect(server.port, '127.0.0.1');
    sockets.push(s);
    s.on('error', () => undefined);
    closed.push(once(s, 'close').then(() => performance.now() - opened));
    await once(s, 'connect');
    if (i % 2 === 0) s.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
  }
  // Keep dribbling one byte a time into the odd ones' headers: that must not extend their time.
  const dribble = setInterval(() => sockets.forEach((s, i) => i % 2 === 0 && !s.destroyed && s.write('a')), 200);
  try {
    const times = await withTimeout(Promise.all(closed), 10_000, 'closing the dribbling sockets');
    assert.ok(times.every((t) => t < 8000), `closed after ${times.map(Math.round).join(', ')} ms`);
    assert.equal(await modelsStatus(), 200);
  } finally {
    clearInterval(dribble);
    sockets.forEach((s) => s.destroy());
  }
});

/** One masked WebSocket text frame (mask key 0, so the payload goes as is). */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

async function serverMemory(client: RawClient): Promise<number> {
  client.send({ type: 'stats', id: 'mem', gc: true });
  const m = await client.next((x) => x.type === 'stats' && x.id === 'mem');
  if (m.type !== 'stats') throw new Error('unreachable');
  return m.stats.memory.heapUsed + m.stats.memory.external;
}

test('a client that sends but never reads cannot grow the server\'s memory without bound', async () => {
  const watcher = await RawClient.open(server);
  const before = await serverMemory(watcher);
  const s = connect(server.port, '127.0.0.1');
  s.on('error', () => undefined);
  await once(s, 'connect');
  s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${server.token}\r\n\r\n`);
  const [head] = (await once(s, 'data')) as [Buffer];
  assert.match(head.toString(), /^HTTP\/1\.1 101/);
  s.pause(); // from here on, nothing is read
  const hellos = Buffer.concat(Array.from({ length: 300_000 }, () => frame('{"type":"stats"}')));
  s.write(hellos);
  try {
    // The replies would take ~100 MB; watch the server answer as much as it is willing to for 8 s.
    let grown = 0;
    for (const end = Date.now() + 8000; Date.now() < end && grown < 48e6; ) {
      await new Promise((r) => setTimeout(r, 500));
      grown = Math.max(grown, (await serverMemory(watcher)) - before);
    }
    assert.ok(grown < 24e6, `the server's memory grew by ${Math.round(grown / 1e6)} MB for a client that reads nothing`);
    await withTimeout(watcher.ping(), 5000, 'ping of another client');
  } finally {
    s.destroy();
    watcher.close();
  }
});
