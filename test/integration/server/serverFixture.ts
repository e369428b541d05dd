// A real server process for the integration tests, started the way the extension starts it
// (startServerProcess), from the sources through tsx (in one process: no wrapper between), plus a raw WebSocket for sending what a
// well-behaved client never would.
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServerProcess, type ServerProcess } from '../../../src/core/backends/serverProcess';
import { parseServerMessage, type ServerMessage } from '../../../src/protocol/messages';

const repo = join(__dirname, '..', '..', '..');

export function startTestServer(options: { model?: string; serveArgs?: string[]; kvBudgetBytes?: number } = {}): Promise<ServerProcess> {
  return startServerProcess({
    serverScript: join(repo, 'server', 'src', 'main.ts'),
    nodeArgs: ['--import', 'tsx', '--expose-gc'],
    model: options.model,
    serveArgs: options.serveArgs,
    kvBudgetBytes: options.kvBudgetBytes,
    readyTimeoutMs: 600_000,
  });
}

/** A WebSocket that collects every server message, validated, for tests to wait on. */
export class RawClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) throw parsed.error;
      this.messages.push(parsed.message);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(server: ServerProcess, headers: Record<string, string> = { authorization: `Bearer ${server.token}` }): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(server.wsUrl, { headers });
      socket.once('open', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body) })));
      });
    });
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The first message (received from now on, or already) that matches. */
  async next<T extends ServerMessage>(match: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  async next(match: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  async next(match: (m: ServerMessage) => boolean, timeoutMs = 120_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.messages.length; seen++) if (match(this.messages[seen]!)) return this.messages.splice(seen, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** Send a message and return the error it earns. */
  async errorFor(value: unknown): Promise<{ id?: string; code: string; message: string }> {
    this.send(value);
    const m = await this.next((x) => x.type === 'error');
    if (m.type !== 'error') throw new Error('unreachable');
    return { id: m.id, ...m.error };
  }

  /** hello → ready: proof the server (and this connection) still answers. */
  async ping(): Promise<void> {
    this.send({ type: 'hello' });
    await this.next((m) => m.type === 'ready' && m.id === undefined);
  }

  close(): void {
    this.socket.close();
  }
}
