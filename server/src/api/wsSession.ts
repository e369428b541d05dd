// One WebSocket client: validates each message at the boundary, runs its jobs (several at once),
// streams their samples as they finish, and cancels them all when the client goes away. Nothing a
// client sends can throw out of here: every failure becomes an `error` message.
import type { WebSocket, RawData } from 'ws';
import { HydrapatchError } from '../../../src/protocol/errors';
import { parseClientMessage, type ClientMessageOf, type ServerMessage } from '../../../src/protocol/messages';
import { protocolVersion } from '../../../src/protocol/limits';
import { defaultSampleParams, type SampleProgress } from '../../../src/protocol/sampling';
import { collectStats, type ApiContext } from './context';

/** Progress goes out at most this often per job; samples and done are never held back. */
const progressIntervalMs = 100;

export class WsSession {
  private readonly jobs = new Map<string, AbortController>();
  /** The model this client loaded last; its samples go there unless they name another. */
  private modelPath: string | undefined;
  private closed = false;
  /** Waiting for the client to read what is queued before its next message is read. */
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ApiContext,
    private readonly socket: WebSocket,
  ) {
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', () => this.dispose());
    socket.on('error', () => this.dispose());
  }

  private send(message: ServerMessage): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    this.applyBackPressure();
  }

  /**
   * A client that sends but does not read would make the server queue replies without bound. Past a
   * sixteenth of the limit its messages are no longer read until it catches up; a client whose jobs
   * still overflow the whole limit is dropped (close code 1008, with the reason) and its jobs cancelled.
   */
  private applyBackPressure(): void {
    const queued = this.socket.bufferedAmount;
    const max = this.ctx.limits.maxQueuedBytes;
    if (queued > max) {
      const reason = `the client does not read its replies (${queued} bytes queued)`;
      process.stderr.write(`hydrapatch-server: dropping a WebSocket client: ${reason}\n`);
      this.dispose();
      this.socket.close(1008, reason);
      // The close frame waits behind the unread data: the socket goes after a grace period regardless.
      setTimeout(() => this.socket.terminate(), 1000).unref();
      return;
    }
    if (queued > max / 16 && this.drainTimer === undefined) {
      this.socket.pause();
      const check = () => {
        if (this.closed) return;
        if (this.socket.bufferedAmount > max / 64) {
          this.drainTimer = setTimeout(check, 20);
          return;
        }
        this.drainTimer = undefined;
        this.socket.resume();
      };
      this.drainTimer = setTimeout(check, 20);
    }
  }

  private sendError(err: unknown, id?: string): void {
    const e = HydrapatchError.from(err);
    this.send(id === undefined ? { type: 'error', error: e.toData() } : { type: 'error', id, error: e.toData() });
  }

  private receive(data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((s, b) => s + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    if (size > this.ctx.limits.maxMessageBytes) {
      this.sendError(new HydrapatchError('message_too_large', `the message has ${size} bytes; the limit is ${this.ctx.limits.maxMessageBytes}`, 'Send less repository context, or split the work into several jobs.'));
      return;
    }
    if (isBinary) {
      this.sendError(new HydrapatchError('invalid_message', 'binary messages are not part of the protocol', 'Send JSON as text messages.'));
      return;
    }
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.sendError(parsed.error, parsed.id);
      return;
    }
    const m = parsed.message;
    const handled = (() => {
      switch (m.type) {
        case 'hello':
          return this.hello(m);
        case 'load':
          return this.load(m);
        case 'sample':
          return this.sample(m);
        case 'cancel':
          return this.cancel(m);
        case 'stats':
          return this.stats(m);
      }
    })();
    handled.catch((err) => this.sendError(err, 'id' in m ? m.id : undefined));
  }

  private async hello(m: ClientMessageOf<'hello'>): Promise<void> {
    if (m.protocol !== undefined && m.protocol !== protocolVersion) {
      throw new HydrapatchError('protocol_mismatch', `the client speaks protocol ${m.protocol}, this server ${protocolVersion}`, 'Use the server that came with this version of Hydrapatch.');
    }
    const model = this.modelPath ?? (await this.ctx.models.loaded())[0]?.info.path;
    const info = model === undefined ? null : (await this.ctx.models.get(model)).info;
    this.send({ type: 'ready', protocol: protocolVersion, model: info });
  }

  private async load(m: ClientMessageOf<'load'>): Promise<void> {
    const loaded = await this.ctx.models.load(m.model, m.options);
    this.modelPath = loaded.info.path;
    this.send({ type: 'ready', id: m.id, protocol: protocolVersion, model: loaded.info });
  }

  private async sample(m: ClientMessageOf<'sample'>): Promise<void> {
    if (this.jobs.has(m.id)) {
      throw new HydrapatchError('duplicate_job', `job "${m.id}" is already running on this connection`, 'Give each job a new id.');
    }
    if (this.jobs.size >= this.ctx.limits.maxJobsPerConnection) {
      throw new HydrapatchError('too_many_jobs', `this connection already runs ${this.jobs.size} jobs`, 'Wait for a job to finish, or put more leaves into one prompt tree.');
    }
    const controller = new AbortController();
    this.jobs.set(m.id, controller);
    const receivedAt = performance.now();
    let firstSampleMs: number | null = null;
    let lastProgress = 0;
    let pending: SampleProgress | undefined;
    try {
      const { engine } = await this.ctx.models.get(m.model ?? this.modelPath);
      const params = { ...defaultSampleParams, ...m.params };
      const totals = await this.ctx.jobs.run(
        engine,
        m.tree,
        params,
        {
          onSample: (sample) => {
            firstSampleMs ??= performance.now() - receivedAt;
            this.send({ type: 'sample', id: m.id, sample });
          },
          onProgress: (progress) => {
            const now = performance.now();
            pending = progress;
            if (now - lastProgress < progressIntervalMs) return;
            lastProgress = now;
            pending = undefined;
            this.send({ type: 'progress', id: m.id, progress });
          },
        },
        controller.signal,
      );
      if (pending) this.send({ type: 'progress', id: m.id, progress: pending });
      const totalMs = performance.now() - receivedAt;
      this.send({ type: 'done', id: m.id, cancelled: controller.signal.aborted, totals, timings: { firstSampleMs, totalMs } });
    } finally {
      this.jobs.delete(m.id);
    }
  }

  private async cancel(m: ClientMessageOf<'cancel'>): Promise<void> {
    const job = this.jobs.get(m.id);
    if (!job) {
      throw new HydrapatchError('unknown_job', `no job "${m.id}" is running on this connection`, 'It may have finished already; jobs can only be cancelled by the connection that started them.');
    }
    // The job's `done` (cancelled: true) follows within one decode step.
    job.abort(new Error('cancelled by the client'));
  }

  private async stats(m: ClientMessageOf<'stats'>): Promise<void> {
    const stats = await collectStats(this.ctx, this.jobs.size, m.gc === true);
    this.send(m.id === undefined ? { type: 'stats', stats } : { type: 'stats', id: m.id, stats });
  }

  /** The client is gone: its jobs are cancelled, which frees their KV memory at the next step. */
  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.drainTimer);
    for (const job of this.jobs.values()) job.abort(new Error('the client disconnected'));
  }
}
