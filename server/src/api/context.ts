// What every connection and request handler of one server shares.
import type { ServerStats } from '../../../src/protocol/messages';
import type { JobTracker } from './jobTracker';
import type { ModelHost } from './modelHost';

export interface ApiLimits {
  /** Largest WebSocket message or HTTP body answered normally; larger ones get `message_too_large`. */
  maxMessageBytes: number;
  /** Jobs one WebSocket connection may have running at once. */
  maxJobsPerConnection: number;
  /** Open sockets at once (every client has the one token, so this is also the cap per token). */
  maxConnections: number;
  /** A socket must send its complete request headers within this time, or it is closed. */
  headersTimeoutMs: number;
  /**
   * Replies queued for a WebSocket client that does not read them: past a sixteenth of this the
   * server stops reading that client's messages until it catches up; past all of it, it drops the client.
   */
  maxQueuedBytes: number;
}

export interface ApiContext {
  token: string;
  /** Known once listening; the origin check needs it. */
  port: number;
  models: ModelHost;
  jobs: JobTracker;
  limits: ApiLimits;
  connections: number;
}

export async function collectStats(ctx: ApiContext, ownJobs: number, collectGarbage: boolean): Promise<ServerStats> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collectGarbage && gc) gc();
  const loaded = await ctx.models.loaded();
  const engines = loaded.map((m) => m.engine.stats());
  const m = process.memoryUsage();
  return {
    connections: ctx.connections,
    jobsRunning: ctx.jobs.count,
    ownJobs,
    kvBytesInUse: engines.reduce((s, e) => s + e.kvBytesInUse, 0),
    memory: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers },
    models: loaded.map((l) => l.info),
    engines: engines.map((e) => ({ ...e })),
  };
}
