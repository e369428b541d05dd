// The server: HTTP (OpenAI-compatible, under /v1) and the WebSocket protocol (at /ws) on one port of
// 127.0.0.1. Access (token and Origin) is checked before anything else, on every request and upgrade.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HydrapatchError } from '../../../src/protocol/errors';
import { wireLimits } from '../../../src/protocol/limits';
import { checkAccess } from './auth';
import type { ApiContext, ApiLimits } from './context';
import { openAiErrorBody, statusOf } from './httpStatus';
import { JobTracker } from './jobTracker';
import type { ModelHost } from './modelHost';
import { handleOpenAi, sendError } from './openaiRoutes';
import { WsSession } from './wsSession';

export interface ApiServerOptions {
  token: string;
  models: ModelHost;
  /** 0 picks a free port. */
  port?: number;
  limits?: Partial<ApiLimits>;
}

export interface ApiServer {
  port: number;
  /** Aborts every job, closes every connection, and stops listening. Models stay loaded. */
  close(): Promise<void>;
}

/** Messages up to this many times the limit are read and answered with `message_too_large`; larger ones close the connection. */
const hardLimitFactor = 4;

export const defaultLimits: ApiLimits = {
  maxMessageBytes: wireLimits.maxMessageBytes,
  maxJobsPerConnection: 64,
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  maxQueuedBytes: 64 * 1024 * 1024,
};

function refuseUpgrade(socket: Duplex, err: HydrapatchError): void {
  const status = statusOf(err.code);
  const body = JSON.stringify(openAiErrorBody(err.toData()));
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const limits: ApiLimits = { ...defaultLimits, ...options.limits };
  const ctx: ApiContext = { token: options.token, port: 0, models: options.models, jobs: new JobTracker(), limits, connections: 0 };
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes * hardLimitFactor });

  // A client that opens sockets and never finishes its headers (or goes idle between requests) must
  // not hold file handles: headers, whole requests and idle keep-alive sockets are all timed out, and
  // the number of sockets is capped. WebSocket sessions and streamed replies are not idle timeouts' business.
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.headersTimeoutMs, 60_000),
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
  // Node times out slow headers only once a request has begun: a socket that connects and sends
  // nothing, or too little, is given the same time for its first request's headers here.
  const firstHeaders = new WeakMap<Duplex, NodeJS.Timeout>();
  const headersArrived = (socket: Duplex) => clearTimeout(firstHeaders.get(socket));
  const server: Server = createServer(serverOptions, (req, res) => {
    headersArrived(req.socket);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      checkAccess(req, ctx.token, ctx.port);
    } catch (err) {
      sendError(res, err);
      return;
    }
    void handleOpenAi(ctx, req, res, path);
  });

  server.on('connection', (socket: Duplex) => {
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    firstHeaders.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    headersArrived(socket);
    socket.on('error', () => socket.destroy());
    try {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path !== '/ws') throw new HydrapatchError('not_found', `no WebSocket endpoint at ${path}`, 'Connect to /ws.');
      checkAccess(req, ctx.token, ctx.port);
    } catch (err) {
      refuseUpgrade(socket, HydrapatchError.from(err));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ctx.connections++;
      ws.on('close', () => ctx.connections--);
      new WsSession(ctx, ws);
    });
  });
  server.maxConnections = limits.maxConnections;
  // A malformed request line or header is the client's problem, never the server's.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      ctx.port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        port: ctx.port,
        close: async () => {
          ctx.jobs.abortAll('the server is shutting down');
          for (const ws of wss.clients) ws.close(1001, 'server shutting down');
          await new Promise<void>((done) => wss.close(() => done()));
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
