// A stand-in for the MODEL only: an OpenAI-compatible endpoint on 127.0.0.1 that answers every
// completion with fixed raw outputs, in turn. Everything else in the end-to-end run (extension,
// pipeline, worktrees, tests, panel) is real. Serves /v1/chat/completions and /v1/completions, `n`,
// streaming or not, and /v1/models. A request whose prompt contains SLOW_MARKER gets its samples
// spaced out, so a run can be cancelled halfway; GET /v1/replay-stats tells whether a cancel arrived.
// The headers and body of every completion request are kept, so a test can see what a client sent
// (its key, its prompt).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReplayModel {
  url: string;
  requests: number;
  /** Requests whose client went away before all their samples were sent (a cancel reached us). */
  abandoned: number;
  /** The headers of each completion request, in order of arrival. */
  readonly completionHeaders: IncomingHttpHeaders[];
  /** The raw body (JSON, with the prompt) of each completion request, in order of arrival. */
  readonly completionBodies: string[];
  close(): Promise<void>;
}

export const SLOW_MARKER = '(slow)';

export async function startReplayModel(outputs: string[], slowDelayMs = 500): Promise<ReplayModel> {
  let next = 0;
  const state = { requests: 0, abandoned: 0 };
  const completionHeaders: IncomingHttpHeaders[] = [];
  const completionBodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      if (req.method === 'GET' && req.url?.endsWith('/replay-stats')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(state));
        return;
      }
      if (req.method === 'GET' && req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'replay', object: 'model' }] }));
        return;
      }
      const chat = req.url?.endsWith('/chat/completions') ?? false;
      if (req.method !== 'POST' || !(chat || req.url?.endsWith('/completions'))) {
        res.writeHead(404).end();
        return;
      }
      state.requests++;
      completionHeaders.push({ ...req.headers });
      completionBodies.push(body);
      const request = JSON.parse(body || '{}') as { n?: number; stream?: boolean };
      const n = request.n ?? 1;
      const delayMs = body.includes(SLOW_MARKER) ? slowDelayMs : 0;
      const texts = Array.from({ length: n }, () => outputs[next++ % outputs.length]);
      const choice = (i: number, text: string) =>
        chat ? { index: i, message: { role: 'assistant', content: text }, finish_reason: 'stop' } : { index: i, text, finish_reason: 'stop' };
      const delta = (i: number, text: string, finish: string | null) =>
        chat ? { index: i, delta: text ? { role: 'assistant', content: text } : {}, finish_reason: finish } : { index: i, text, finish_reason: finish };
      const base = { id: `replay-${state.requests}`, created: 0, model: 'replay', object: chat ? 'chat.completion' : 'text_completion' };
      let gone = false;
      res.on('close', () => {
        if (!res.writableFinished) gone = true;
      });
      const wait = () => new Promise((r) => setTimeout(r, delayMs));
      if (!request.stream) {
        if (delayMs) await wait();
        if (gone) return void state.abandoned++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, choices: texts.map((t, i) => choice(i, t)), usage: { prompt_tokens: 10, completion_tokens: 10 * n, total_tokens: 10 + 10 * n } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { ...base, object: chat ? 'chat.completion.chunk' : 'text_completion' };
      for (let i = 0; i < texts.length; i++) {
        if (delayMs) await wait();
        if (gone) return void state.abandoned++;
        res.write(`data: ${JSON.stringify({ ...chunk, choices: [delta(i, texts[i], null)] })}\n\n`);
        res.write(`data: ${JSON.stringify({ ...chunk, choices: [delta(i, '', 'stop')] })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get abandoned() {
      return state.abandoned;
    },
    completionHeaders,
    completionBodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
