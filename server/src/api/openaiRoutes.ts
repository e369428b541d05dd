// The OpenAI-compatible endpoints: POST /v1/completions, POST /v1/chat/completions (whole responses
// or server-sent events, one chunk per finished sample with its choice index) and GET /v1/models.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { HydrapatchError } from '../../../src/protocol/errors';
import { validationError } from '../../../src/protocol/messages';
import { chatRequestSchema, completionRequestSchema } from '../../../src/protocol/openai';
import type { FinishReason, JobTotals, SampleResult } from '../../../src/protocol/sampling';
import type { ApiContext } from './context';
import type { LoadedEngine } from './modelHost';
import { chatJobs, completionJobs, type OpenAiJobs } from './openaiRequest';
import { openAiErrorBody, statusOf } from './httpStatus';
import { readBody } from './readBody';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = HydrapatchError.from(err).toData();
  if (res.headersSent) {
    // Mid-stream: the status is gone already, so the error travels as an event.
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(openAiErrorBody(e))}\n\n`);
    return;
  }
  sendJson(res, statusOf(e.code), openAiErrorBody(e));
}

function parseJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HydrapatchError('bad_json', `the request body is not valid JSON: ${(err as Error).message}`, 'Send a JSON object with Content-Type: application/json.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, what);
  return parsed.data;
}

/** OpenAI knows "stop" and "length"; the rest is passed through as ours. */
function openAiFinish(reason: FinishReason): string {
  return reason === 'eos' ? 'stop' : reason;
}

/** The model a request names (by file name or path), else the server's default. */
async function modelFor(ctx: ApiContext, name: string | null | undefined): Promise<LoadedEngine> {
  if (name) {
    const match = (await ctx.models.loaded()).find((m) => m.info.name === name || m.info.path === name);
    if (match) return match;
  }
  return ctx.models.get();
}

async function listModels(ctx: ApiContext, res: ServerResponse): Promise<void> {
  const loaded = await ctx.models.loaded();
  sendJson(res, 200, {
    object: 'list',
    data: loaded.map((m) => ({ id: m.info.name, object: 'model', created: 0, owned_by: 'hydrapatch', context_length: m.info.contextLength })),
  });
}

async function complete(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, chat: boolean): Promise<void> {
  const body = await readBody(req, ctx.limits.maxMessageBytes);
  const request = chat ? parseJson(body, chatRequestSchema, 'chat completion request') : parseJson(body, completionRequestSchema, 'completion request');
  // What can be refused without a model is refused first.
  const plain = chat ? undefined : completionJobs(request as z.infer<typeof completionRequestSchema>);
  const model = await modelFor(ctx, request.model);
  const jobs: OpenAiJobs = plain ?? chatJobs(request as z.infer<typeof chatRequestSchema>, model.engine.tokenizer);
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const object = chat ? (request.stream ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
  const envelope = { id, object, created, model: model.info.name };

  const choiceOf = (s: SampleResult, index: number) => {
    const extra = { token_count: s.tokenCount, logprob: s.logprob };
    const finish_reason = openAiFinish(s.finishReason);
    if (!chat) return { index, text: s.text, logprobs: null, finish_reason, hydrapatch: extra };
    const content = { role: 'assistant', content: s.text };
    return request.stream ? { index, delta: content, logprobs: null, finish_reason, hydrapatch: extra } : { index, message: content, logprobs: null, finish_reason, hydrapatch: extra };
  };

  const controller = new AbortController();
  // A client that hangs up stops its job: nobody is left to read the samples.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the HTTP client disconnected'));
  });
  // Headers wait for the job's first sign of life, so that a job refused at once (prompt too long, …) still gets
  // its proper status instead of an error event inside a 200 stream.
  const startStream = () => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  };
  const choices: ReturnType<typeof choiceOf>[] = [];
  let totals: JobTotals[];
  try {
    totals = await Promise.all(
      jobs.trees.map((tree, t) =>
        ctx.jobs.run(
          model.engine,
          tree,
          jobs.params,
          {
            onSample: (s) => {
              const choice = choiceOf(s, t * jobs.n + s.index);
              if (!request.stream) return void choices.push(choice);
              startStream();
              res.write(`data: ${JSON.stringify({ ...envelope, choices: [choice] })}\n\n`);
            },
            // Progress means the job was accepted; clients with a headers timeout hear from us then.
            onProgress: () => {
              if (request.stream) startStream();
            },
          },
          controller.signal,
        ),
      ),
    );
  } catch (err) {
    // One prompt failed: the others of the request stop too.
    controller.abort(err);
    throw err;
  }
  const promptTokens = totals.reduce((s, t) => s + t.promptTokens, 0);
  const completionTokens = totals.reduce((s, t) => s + t.generatedTokens, 0);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  if (request.stream) {
    startStream();
    if (request.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ ...envelope, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
    return;
  }
  choices.sort((a, b) => a.index - b.index);
  sendJson(res, 200, { ...envelope, choices, usage });
}

/** Answers one /v1/... request; every failure becomes an OpenAI-shaped error with our code inside. */
export async function handleOpenAi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  try {
    const route = `${req.method} ${path}`;
    if (route === 'GET /v1/models') return await listModels(ctx, res);
    if (route === 'POST /v1/completions') return await complete(ctx, req, res, false);
    if (route === 'POST /v1/chat/completions') return await complete(ctx, req, res, true);
    const known = ['/v1/models', '/v1/completions', '/v1/chat/completions'].includes(path);
    throw known
      ? new HydrapatchError('method_not_allowed', `${req.method} is not allowed on ${path}`, 'GET /v1/models; POST /v1/completions and /v1/chat/completions.')
      : new HydrapatchError('not_found', `no endpoint ${path}`, 'The server offers /v1/models, /v1/completions, /v1/chat/completions and a WebSocket at /ws.');
  } catch (err) {
    sendError(res, err);
  }
}
