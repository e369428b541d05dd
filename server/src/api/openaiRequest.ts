// Turns a validated OpenAI request into jobs of the engine: each prompt becomes a prompt tree with one
// leaf asking for `n`, so the n samples share the prompt's KV through Hydragen. Defaults follow
// OpenAI's (temperature 1, top_p 1, max_tokens 16 for legacy completions, a fresh seed when none).
import { randomInt } from 'node:crypto';
import { HydrapatchError } from '../../../src/protocol/errors';
import { wireLimits } from '../../../src/protocol/limits';
import type { ChatRequest, CompletionRequest } from '../../../src/protocol/openai';
import type { PromptTree } from '../../../src/protocol/promptTree';
import { defaultSampleParams, type SampleParams } from '../../../src/protocol/sampling';
import type { Tokenizer } from '../model/types';

export interface OpenAiJobs {
  /** One per prompt; choice index = prompt index × n + sample index. */
  trees: PromptTree[];
  n: number;
  params: SampleParams;
}

function paramsOf(r: CompletionRequest | ChatRequest, maxTokensDefault: number): SampleParams {
  const maxTokens = ('max_completion_tokens' in r ? r.max_completion_tokens : undefined) ?? r.max_tokens ?? maxTokensDefault;
  return {
    temperature: r.temperature ?? 1,
    topP: r.top_p ?? 1,
    topK: r.top_k !== undefined && r.top_k !== null && r.top_k > 0 ? r.top_k : 0,
    minP: r.min_p ?? 0,
    maxTokens,
    stop: r.stop === undefined || r.stop === null ? [] : typeof r.stop === 'string' ? [r.stop] : r.stop,
    seed: r.seed ?? randomInt(0, 2 ** 31),
  };
}

export function completionJobs(r: CompletionRequest): OpenAiJobs {
  const n = r.n ?? 1;
  const p = r.prompt;
  const prompts: PromptTree['root'][] =
    typeof p === 'string'
      ? [{ text: p, n }]
      : typeof p[0] === 'number'
        ? [{ tokens: p as number[], n }]
        : (p as (string | number[])[]).map((one) => (typeof one === 'string' ? { text: one, n } : { tokens: one, n }));
  if (prompts.length * n > wireLimits.maxSamplesPerJob) {
    throw new HydrapatchError('invalid_n', `${prompts.length} prompts × n = ${n} ask for ${prompts.length * n} samples; one request may ask for at most ${wireLimits.maxSamplesPerJob}`, 'Send fewer prompts per request, or a smaller n.');
  }
  for (const [i, root] of prompts.entries()) {
    if (!root.text && !root.tokens?.length) {
      throw new HydrapatchError('empty_prompt', prompts.length > 1 ? `prompt ${i} is empty` : 'the prompt is empty', 'Send a non-empty prompt.');
    }
  }
  return { trees: prompts.map((root) => ({ root, bos: true })), n, params: paramsOf(r, 16) };
}

export function chatJobs(r: ChatRequest, tokenizer: Tokenizer): OpenAiJobs {
  if (!tokenizer.applyChatTemplate) {
    throw new HydrapatchError('no_chat_template', 'this model has no chat template', 'Use /v1/completions with a prompt you format yourself, or a model with tokenizer.chat_template.');
  }
  const messages = r.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((c) => c.text).join(''),
  }));
  const text = tokenizer.applyChatTemplate(messages);
  const n = r.n ?? 1;
  // The template writes the BOS token itself where the model wants one.
  return { trees: [{ root: { text, n }, bos: false }], n, params: paramsOf(r, defaultSampleParams.maxTokens) };
}
