// The subset of the OpenAI HTTP API that the server offers and the OpenAI-compatible client speaks:
// /v1/completions, /v1/chat/completions (plain and server-sent events) and /v1/models. Requests are
// validated strictly by our server; responses are read leniently (looseObject) because other servers
// (vLLM, SGLang, llama.cpp, Ollama) add fields of their own.
import { z } from 'zod';
import { wireLimits } from './limits';

const stop = z.union([z.string().min(1).max(wireLimits.maxStopLength), z.array(z.string().min(1).max(wireLimits.maxStopLength)).max(wireLimits.maxStopStrings)]);
const tokenIds = z.array(z.number().int().min(0).max(0x7fffffff));

const commonRequest = {
  model: z.string().max(4096).nullish(),
  n: z.number().int().min(1).max(wireLimits.maxSamplesPerJob).nullish(),
  temperature: z.number().min(0).max(1000).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** Not OpenAI's, but vLLM's, SGLang's and llama.cpp's. */
  top_k: z.number().int().min(-1).nullish(),
  min_p: z.number().min(0).lt(1).nullish(),
  max_tokens: z.number().int().min(1).max(wireLimits.maxTokens).nullish(),
  stop: stop.nullish(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
};

export const completionRequestSchema = z.object({
  ...commonRequest,
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds.min(1), z.array(tokenIds.min(1)).min(1)]),
});

const chatContent = z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))]);

export const chatRequestSchema = z.object({
  ...commonRequest,
  max_completion_tokens: z.number().int().min(1).max(wireLimits.maxTokens).nullish(),
  messages: z.array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: chatContent })).min(1),
});

export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** What our server adds to each choice; other servers omit it. */
export const choiceExtraSchema = z.object({ token_count: z.number().int().min(0), logprob: z.number() });

const usageSchema = z.looseObject({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });

const finishReason = z.string().nullish();

export const completionChoiceSchema = z.looseObject({
  index: z.number().int().min(0),
  text: z.string().nullish(),
  finish_reason: finishReason,
  hydrapatch: choiceExtraSchema.nullish(),
});

export const chatChoiceSchema = z.looseObject({
  index: z.number().int().min(0),
  message: z.looseObject({ role: z.string().nullish(), content: z.string().nullish() }).nullish(),
  delta: z.looseObject({ role: z.string().nullish(), content: z.string().nullish() }).nullish(),
  finish_reason: finishReason,
  hydrapatch: choiceExtraSchema.nullish(),
});

/** A whole response or one streamed chunk, of either endpoint: the client reads them the same way. */
export const completionResponseSchema = z.looseObject({
  id: z.string().nullish(),
  object: z.string().nullish(),
  choices: z.array(z.union([completionChoiceSchema, chatChoiceSchema])),
  usage: usageSchema.nullish(),
});

export type CompletionResponse = z.infer<typeof completionResponseSchema>;

/** The error body, OpenAI's shape, with our code/hint inside as well. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string; hint?: string };
}
