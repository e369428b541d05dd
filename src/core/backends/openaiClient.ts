// An OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp's server, Ollama, or our own server's /v1) as
// a SampleSource. Each leaf of the prompt tree becomes requests for that leaf's n (split into chunks
// of at most maxNPerRequest), streamed with server-sent events. Transient failures (connection
// errors, 408/429/5xx, a stream cut short) are retried with backoff, asking only for the samples
// that had not arrived. Aborting the signal stops every request and resolves with what arrived.
// Servers that ignore `n` (Ollama answers one choice whatever n asks) are detected by the first reply
// that brings fewer finished choices than asked: the rest is drawn as n=1 requests with distinct
// seeds, as many at once as maxConcurrentRequests allows. An empty model name is resolved through
// /v1/models when the endpoint serves exactly one model.
import { Agent, request, type Dispatcher } from 'undici';
import { HydrapatchError, errorDataFromWire } from '../../protocol/errors';
import { completionResponseSchema, type CompletionResponse } from '../../protocol/openai';
import type { PromptTree } from '../../protocol/promptTree';
import type { FinishReason, JobTotals, SampleParams, SampleResult } from '../../protocol/sampling';
import type { SampleHandlers, SampleSource } from '../sampling/sampleSource';
import { flattenTree, type FlatPrompt } from './flattenTree';
import { defaultRetryPolicy, isTransientError, isTransientStatus, retryDelayMs, sleep, type RetryPolicy } from './retryPolicy';
import { sseData } from './sseLines';

export interface OpenAiClientOptions {
  /** Up to and including /v1, e.g. http://127.0.0.1:8000/v1. */
  baseUrl: string;
  /** Empty: the one model /v1/models lists (an error names them when there are several). */
  model: string;
  apiKey?: string;
  /** `completions` sends the flattened prompt as is; `chat` sends it as one user message. */
  endpoint?: 'completions' | 'chat';
  retry?: Partial<RetryPolicy>;
  /** Largest n in one request (OpenAI's own API allows 128). */
  maxNPerRequest?: number;
  maxConcurrentRequests?: number;
  /** Ask for log-probabilities (most servers give them; the sum becomes SampleResult.logprob). */
  logprobs?: boolean;
  dispatcher?: Dispatcher;
}

interface Chunk {
  flat: FlatPrompt;
  /** Index of this chunk's first sample within its leaf. */
  offset: number;
  n: number;
}

interface Usage {
  promptTokens: number;
  generatedTokens: number;
}

function finishReasonOf(reason: string): FinishReason {
  if (reason === 'length' || reason === 'cancelled' || reason === 'error') return reason;
  return 'stop';
}

function errorFromBody(status: number, body: string, url: string): HydrapatchError {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown; hint?: unknown } }).error;
    if (e && typeof e.message === 'string') {
      const hint = typeof e.hint === 'string' ? e.hint : 'The server refused the request; check the model name, the API key and the parameters.';
      if (typeof e.code !== 'string') return new HydrapatchError('http_error', `${url} answered HTTP ${status}: ${e.message}`, hint);
      const received = errorDataFromWire({ code: e.code, message: `${url}: ${e.message}` });
      return new HydrapatchError(received.code, received.message, hint);
    }
  } catch {
    // Not JSON: fall through to the status.
  }
  return new HydrapatchError('http_error', `${url} answered HTTP ${status}: ${body.slice(0, 300)}`, 'Check the base URL (it should end in /v1) and the API key.');
}

export class OpenAiCompatibleSource implements SampleSource {
  readonly description: string;
  private readonly retry: RetryPolicy;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  /** Learned from a reply with fewer choices than asked: every later request asks for one. */
  private ignoresN = false;
  private model: Promise<string> | undefined;

  constructor(private readonly options: OpenAiClientOptions) {
    this.description = `openai-compatible ${options.baseUrl} (${options.model || 'its only model'})`;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.ownDispatcher = options.dispatcher === undefined;
    // Sampling many long completions takes minutes: no body timeout between streamed events.
    this.dispatcher = options.dispatcher ?? new Agent({ bodyTimeout: 0, headersTimeout: 0 });
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  /** The model to name in requests: the one given, else the only one the endpoint lists. */
  private resolveModel(signal: AbortSignal): Promise<string> {
    if (this.options.model) return Promise.resolve(this.options.model);
    this.model ??= (async () => {
      const url = `${this.options.baseUrl.replace(/\/+$/, '')}/models`;
      const hint = 'Set the model name (hydrapatch.endpointModel, or --model-name) to one the endpoint serves.';
      let ids: string[];
      try {
        const res = await request(url, { method: 'GET', headers: this.headers(), signal, dispatcher: this.dispatcher });
        const text = await res.body.text();
        if (res.statusCode >= 400) throw errorFromBody(res.statusCode, text, url);
        const data = (JSON.parse(text) as { data?: { id?: unknown }[] }).data;
        ids = Array.isArray(data) ? data.flatMap((m) => (typeof m?.id === 'string' ? [m.id] : [])) : [];
      } catch (err) {
        this.model = undefined;
        if (err instanceof HydrapatchError) throw err;
        throw new HydrapatchError('no_model_name', `no model name is set, and ${url} could not list the models: ${(err as Error).message}`, hint, { cause: err });
      }
      if (ids.length === 1) return ids[0]!;
      this.model = undefined;
      if (ids.length === 0) throw new HydrapatchError('no_model_name', `no model name is set, and ${url} lists no models`, hint);
      const shown = ids.slice(0, 20).join(', ') + (ids.length > 20 ? `, … (${ids.length} in all)` : '');
      throw new HydrapatchError('no_model_name', `no model name is set, and ${url} serves ${ids.length} models: ${shown}`, hint);
    })();
    return this.model;
  }

  private body(chunk: Chunk, n: number, params: SampleParams, model: string): Record<string, unknown> {
    const chat = this.options.endpoint === 'chat';
    const body: Record<string, unknown> = {
      model,
      n,
      temperature: params.temperature,
      top_p: params.topP,
      max_tokens: params.maxTokens,
      // Each chunk of a leaf gets its own seed, so that chunks do not repeat each other's samples.
      seed: params.seed + chunk.offset,
      stream: true,
      stream_options: { include_usage: true },
    };
    if (chat) {
      if (typeof chunk.flat.prompt !== 'string') {
        throw new HydrapatchError('unsupported_tree', 'the chat endpoint takes text, and this prompt is token ids', 'Use endpoint "completions" for token prompts, or give the segments as text.');
      }
      body.messages = [{ role: 'user', content: chunk.flat.prompt }];
    } else body.prompt = chunk.flat.prompt;
    if (params.stop.length) body.stop = params.stop;
    if (params.topK > 0) body.top_k = params.topK;
    if (params.minP > 0) body.min_p = params.minP;
    if (this.options.logprobs ?? true) body.logprobs = chat ? true : 0;
    return body;
  }

  /**
   * Runs one chunk to completion, retrying transient failures for the samples still missing. Returns
   * the chunk's samples left to draw one per request when the server turned out to ignore `n`.
   */
  private async runChunk(chunk: Chunk, params: SampleParams, model: string, onSample: (s: SampleResult) => void, usage: Usage, signal: AbortSignal): Promise<Chunk[]> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/${this.options.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
    const delivered = new Set<number>();
    let attempt = 0;
    const retryLater = async (why: HydrapatchError, retryAfter?: string | string[]) => {
      if (attempt >= this.retry.maxRetries) throw why;
      await sleep(retryDelayMs(this.retry, attempt++, retryAfter), signal);
    };
    while (delivered.size < chunk.n && !signal.aborted) {
      // The choices of this attempt map, in order, onto the samples not delivered yet.
      const missing = Array.from({ length: chunk.n }, (_, i) => i).filter((i) => !delivered.has(i));
      let res: Dispatcher.ResponseData;
      try {
        const body = JSON.stringify(this.body(chunk, missing.length, params, model));
        res = await request(url, { method: 'POST', headers: this.headers(), body, signal, dispatcher: this.dispatcher });
      } catch (err) {
        if (signal.aborted) return [];
        if (!isTransientError(err)) throw new HydrapatchError('request_failed', `${url}: ${(err as Error).message}`, 'Check the base URL and that the server is reachable.', { cause: err });
        await retryLater(new HydrapatchError('server_unreachable', `${url}: ${(err as Error).message} (after ${attempt} retries)`, 'Is the server running and reachable?', { cause: err }));
        continue;
      }
      if (res.statusCode >= 400) {
        const text = await res.body.text().catch(() => '');
        const err = errorFromBody(res.statusCode, text, url);
        if (!isTransientStatus(res.statusCode)) throw err;
        await retryLater(err, res.headers['retry-after']);
        continue;
      }
      const state = new Map<number, { text: string; tokens: number; logprob: number; extra?: { token_count: number; logprob: number } }>();
      let finishedNow = 0;
      const take = (response: CompletionResponse) => {
        if (response.usage) {
          usage.promptTokens += response.usage.prompt_tokens;
          usage.generatedTokens += response.usage.completion_tokens;
        }
        for (const choice of response.choices) {
          const target = missing[choice.index];
          if (target === undefined || delivered.has(target)) continue;
          const s = state.get(target) ?? { text: '', tokens: 0, logprob: 0 };
          state.set(target, s);
          const c = choice as { text?: string | null; delta?: { content?: string | null } | null; message?: { content?: string | null } | null };
          const piece = c.text ?? c.delta?.content ?? c.message?.content ?? '';
          s.text += piece;
          if (piece) s.tokens++;
          s.logprob += logprobSum(choice);
          if (choice.hydrapatch) s.extra = choice.hydrapatch;
          if (choice.finish_reason) {
            delivered.add(target);
            finishedNow++;
            onSample({
              index: chunk.flat.firstIndex + chunk.offset + target,
              leaf: chunk.flat.leaf,
              ...(chunk.flat.label !== undefined ? { label: chunk.flat.label } : {}),
              text: s.text,
              finishReason: finishReasonOf(choice.finish_reason),
              tokenCount: s.extra?.token_count ?? s.tokens,
              logprob: s.extra?.logprob ?? s.logprob,
            });
          }
        }
      };
      try {
        const streamed = String(res.headers['content-type'] ?? '').includes('text/event-stream');
        if (!streamed) take(parseResponse(await res.body.text(), url));
        else {
          for await (const data of sseData(res.body)) {
            if (data.trim() === '[DONE]') break;
            const event = JSON.parse(data) as { error?: unknown };
            if (event.error) throw errorFromBody(500, data, url);
            take(parseResponse(data, url));
          }
        }
      } catch (err) {
        if (signal.aborted) return [];
        if (err instanceof HydrapatchError) throw err;
        await retryLater(new HydrapatchError('stream_failed', `${url}: the response stream failed: ${(err as Error).message}`, 'The server or the network dropped the connection.', { cause: err }));
        continue;
      } finally {
        res.body.destroy();
      }
      // A complete reply with fewer choices than asked, every one finished: the server ignores n.
      if (missing.length > 1 && finishedNow > 0 && finishedNow < missing.length && state.size === finishedNow) {
        this.ignoresN = true;
        return Array.from({ length: chunk.n }, (_, i) => i)
          .filter((i) => !delivered.has(i))
          .map((i) => ({ flat: chunk.flat, offset: chunk.offset + i, n: 1 }));
      }
      if (delivered.size < chunk.n && !signal.aborted) {
        await retryLater(new HydrapatchError('incomplete_response', `${url}: the response ended with ${chunk.n - delivered.size} samples unfinished`, 'The server stopped early; try fewer samples per request (maxNPerRequest).'));
      }
    }
    return [];
  }

  async draw(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<Partial<JobTotals>> {
    const perRequest = this.ignoresN ? 1 : Math.max(1, this.options.maxNPerRequest ?? 128);
    const queue: Chunk[] = [];
    for (const flat of flattenTree(tree)) {
      for (let offset = 0; offset < flat.n; offset += perRequest) queue.push({ flat, offset, n: Math.min(perRequest, flat.n - offset) });
    }
    const samplesTotal = queue.reduce((t, c) => t + c.n, 0);
    // One failing chunk stops the others; the caller's abort stops them all.
    const inner = new AbortController();
    const onAbort = () => inner.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) inner.abort(signal.reason);
    const usage: Usage = { promptTokens: 0, generatedTokens: 0 };
    let samples = 0;
    let tokens = 0;
    const started = performance.now();
    const onSample = (s: SampleResult) => {
      samples++;
      tokens += s.tokenCount;
      handlers.onSample(s);
      const seconds = (performance.now() - started) / 1000;
      handlers.onProgress?.({ tokens, samplesDone: samples, samplesTotal, tokensPerSecond: seconds > 0 ? tokens / seconds : 0 });
    };
    const concurrency = Math.max(1, this.options.maxConcurrentRequests ?? 4);
    let failure: unknown;
    try {
      const model = await this.resolveModel(inner.signal);
      // A pool of at most `concurrency` requests; a chunk a server answered with one choice comes
      // back as n=1 chunks, which join the queue.
      await new Promise<void>((resolve) => {
        let active = 0;
        const launch = () => {
          while (active < concurrency && queue.length > 0 && !inner.signal.aborted) {
            const chunk = queue.shift()!;
            active++;
            this.runChunk(chunk, params, model, onSample, usage, inner.signal).then(
              (rest) => queue.push(...rest),
              (err: unknown) => {
                failure ??= err;
                inner.abort(err);
              },
            ).finally(() => {
              active--;
              launch();
            });
          }
          if (active === 0) resolve();
        };
        launch();
      });
    } catch (err) {
      failure ??= err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (failure !== undefined && !signal.aborted) {
      const err = HydrapatchError.from(failure, 'request_failed');
      if (samples === 0) throw err;
      // Samples already drawn are the caller's to keep: it learns why the rest is missing.
      throw new HydrapatchError(err.code, `sampling stopped after ${samples} of ${samplesTotal} samples: ${err.message}`, err.hint, { cause: err });
    }
    return { samples, promptTokens: usage.promptTokens, generatedTokens: usage.generatedTokens || tokens };
  }

  async close(): Promise<void> {
    if (this.ownDispatcher) await this.dispatcher.close();
  }
}

function parseResponse(text: string, url: string): CompletionResponse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HydrapatchError('bad_response', `${url} sent something that is not JSON: ${text.slice(0, 200)}`, 'Is the base URL an OpenAI-compatible API?');
  }
  const parsed = completionResponseSchema.safeParse(value);
  if (!parsed.success) throw new HydrapatchError('bad_response', `${url} sent a response without the expected choices: ${text.slice(0, 200)}`, 'Is the base URL an OpenAI-compatible API?');
  return parsed.data;
}

/** The sum of the sampled tokens' log-probabilities in either endpoint's format (0 when absent). */
function logprobSum(choice: object): number {
  const lp = (choice as { logprobs?: { token_logprobs?: unknown; content?: unknown } | null }).logprobs;
  if (!lp) return 0;
  if (Array.isArray(lp.token_logprobs)) return lp.token_logprobs.reduce((s: number, x: unknown) => s + (typeof x === 'number' ? x : 0), 0);
  if (Array.isArray(lp.content)) return lp.content.reduce((s: number, x: { logprob?: unknown }) => s + (typeof x?.logprob === 'number' ? x.logprob : 0), 0);
  return 0;
}
