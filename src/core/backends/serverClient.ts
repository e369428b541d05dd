// The bundled server as a SampleSource: one WebSocket, several jobs at once, every message validated
// on arrival. Aborting a draw sends `cancel`; the server answers with the job's `done` within one
// decode step, and the draw resolves with what had arrived by then.
import WebSocket from 'ws';
import type { ChatWrap } from '../../protocol/chatWrap';
import { HydrapatchError, errorDataFromWire } from '../../protocol/errors';
import { protocolVersion } from '../../protocol/limits';
import { parseServerMessage, type ClientMessage, type LoadOptions, type ModelInfo, type ServerMessage, type ServerStats } from '../../protocol/messages';
import type { PromptTree } from '../../protocol/promptTree';
import type { JobTotals, SampleParams } from '../../protocol/sampling';
import type { SampleHandlers, SampleSource } from '../sampling/sampleSource';

export interface ServerClientOptions {
  /** ws://127.0.0.1:PORT/ws */
  url: string;
  token: string;
  connectTimeoutMs?: number;
}

interface Pending {
  onMessage(message: ServerMessage): void;
  fail(err: HydrapatchError): void;
}

export class ServerClient implements SampleSource {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private closedError: HydrapatchError | undefined;
  private model: ModelInfo | null;

  private constructor(
    private readonly socket: WebSocket,
    ready: ServerMessage & { type: 'ready' },
  ) {
    this.model = ready.model;
    socket.on('message', (data) => this.receive(data.toString()));
    socket.on('close', (code, reason) => {
      this.closedError = new HydrapatchError('server_disconnected', `the connection to the server closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`, 'Restart the server if it died; its output says why.');
      for (const p of this.pending.values()) p.fail(this.closedError);
      this.pending.clear();
    });
    socket.on('error', () => undefined);
  }

  /** Connect, say hello, and wait for the server's `ready`. Refusals carry the server's code (unauthorized, forbidden_origin). */
  static connect(options: ServerClientOptions): Promise<ServerClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, { headers: { authorization: `Bearer ${options.token}` }, handshakeTimeout: options.connectTimeoutMs ?? 10_000 });
      let settled = false;
      const fail = (err: HydrapatchError) => {
        if (settled) return;
        settled = true;
        socket.terminate();
        reject(err);
      };
      socket.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => fail(refusalOf(res.statusCode ?? 0, body)));
        res.on('error', () => fail(refusalOf(res.statusCode ?? 0, body)));
      });
      socket.on('error', (err) => fail(new HydrapatchError('server_unreachable', `cannot connect to ${options.url}: ${err.message}`, 'Is the server running? Its ready line gives the port.')));
      socket.on('close', () => fail(new HydrapatchError('server_disconnected', 'the server closed the connection during the handshake', 'Check the server output.')));
      socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', client: 'hydrapatch', protocol: protocolVersion } satisfies ClientMessage)));
      socket.once('message', (data) => {
        const parsed = parseServerMessage(data.toString());
        if (!parsed.ok) return fail(parsed.error);
        if (parsed.message.type === 'error') return fail(new HydrapatchError(parsed.message.error.code, parsed.message.error.message, parsed.message.error.hint));
        if (parsed.message.type !== 'ready') return fail(new HydrapatchError('protocol_error', `expected "ready" after hello, got "${parsed.message.type}"`, 'Client and server versions differ?'));
        settled = true;
        socket.removeAllListeners();
        resolve(new ServerClient(socket, parsed.message));
      });
    });
  }

  get description(): string {
    return `bundled server${this.model ? ` (${this.model.name})` : ''}`;
  }

  get modelInfo(): ModelInfo | null {
    return this.model;
  }

  /** The loaded model's chat template as a wrap (from the server's model info); absent: plain text. */
  get chatWrap(): ChatWrap | undefined {
    return this.model?.chatWrap;
  }

  private send(message: ClientMessage): void {
    if (this.closedError) throw this.closedError;
    this.socket.send(JSON.stringify(message));
  }

  private receive(raw: string): void {
    const parsed = parseServerMessage(raw);
    // A message we cannot read is dropped rather than guessed at; its job then fails on close.
    if (!parsed.ok) return;
    const m = parsed.message;
    const target = 'id' in m && m.id !== undefined ? this.pending.get(m.id) : undefined;
    target?.onMessage(m);
  }

  /** Send one request and settle on its answer of type `answer` (or its error). */
  private request<T extends ServerMessage['type']>(message: ClientMessage & { id: string }, answer: T): Promise<ServerMessage & { type: T }> {
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, {
        onMessage: (m) => {
          if (m.type === 'error') {
            this.pending.delete(message.id);
            reject(new HydrapatchError(m.error.code, m.error.message, m.error.hint));
          } else if (m.type === answer) {
            this.pending.delete(message.id);
            resolve(m as ServerMessage & { type: T });
          }
        },
        fail: reject,
      });
      try {
        this.send(message);
      } catch (err) {
        this.pending.delete(message.id);
        reject(err);
      }
    });
  }

  /** Load a model on the server; this connection's samples use it from then on. */
  async load(path: string, options?: LoadOptions): Promise<ModelInfo> {
    const ready = await this.request({ type: 'load', id: `load-${this.nextId++}`, model: path, options }, 'ready');
    this.model = ready.model;
    return ready.model!;
  }

  async stats(collectGarbage = false): Promise<ServerStats> {
    const m = await this.request({ type: 'stats', id: `stats-${this.nextId++}`, gc: collectGarbage }, 'stats');
    return m.stats;
  }

  draw(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<Partial<JobTotals>> {
    const id = `job-${this.nextId++}`;
    if (signal.aborted) return Promise.resolve({ samples: 0 });
    return new Promise((resolve, reject) => {
      let delivered = 0;
      let cancelling = false;
      const onAbort = () => {
        cancelling = true;
        try {
          this.send({ type: 'cancel', id });
        } catch {
          finish();
          resolve({ samples: delivered });
        }
      };
      const finish = () => {
        this.pending.delete(id);
        signal.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        onMessage: (m) => {
          if (m.type === 'sample') {
            delivered++;
            handlers.onSample(m.sample);
          } else if (m.type === 'progress') handlers.onProgress?.(m.progress);
          else if (m.type === 'done') {
            finish();
            resolve(m.totals);
          } else if (m.type === 'error') {
            // The job may have ended just before our cancel arrived; its `done` settles the draw.
            if (cancelling && m.error.code === 'unknown_job') return;
            finish();
            reject(new HydrapatchError(m.error.code, m.error.message, m.error.hint));
          }
        },
        fail: (err) => {
          finish();
          if (cancelling) resolve({ samples: delivered });
          else reject(err);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        this.send({ type: 'sample', id, tree, params });
      } catch (err) {
        finish();
        reject(err);
      }
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000, 'client done');
      setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}

/** The server's refusal of the upgrade, as the HydrapatchError it sent (OpenAI-shaped body with our code). */
function refusalOf(status: number, body: string): HydrapatchError {
  try {
    const e = (JSON.parse(body) as { error: { code: string; message: string; hint?: string } }).error;
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      const received = errorDataFromWire({ code: e.code, message: e.message });
      return new HydrapatchError(received.code, received.message, typeof e.hint === 'string' ? e.hint : undefined);
    }
  } catch {
    // Not ours: fall through to the status.
  }
  return new HydrapatchError('server_refused', `the server refused the connection with HTTP ${status}`, 'Is this the hydrapatch server, and the right token?');
}
