// tokenizer.json (+ tokenizer_config.json) of a Hugging Face folder through @huggingface/tokenizers.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { chatTemplateRenderer } from './chatTemplate';
import { modelError } from './modelError';
import { readModelText } from './openModelFile';
import type { Tokenizer } from './types';

type TokenSpec = string | { content?: string } | null | undefined;

function readJson(path: string): Record<string, unknown> {
  const text = readModelText(path);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw modelError('model_bad_tokenizer', path, `cannot read JSON: ${(err as Error).message}`);
  }
}

function tokenText(spec: TokenSpec): string | undefined {
  if (typeof spec === 'string') return spec;
  return spec?.content;
}

/**
 * The chat template: tokenizer_config.json's chat_template (a string, or a list of named templates
 * of which "default" is the chat one), else a chat_template.jinja file beside it (newer repositories).
 */
function chatTemplateSource(dir: string, fromConfig: unknown): { source: string; path: string } | undefined {
  const cfgPath = join(dir, 'tokenizer_config.json');
  if (typeof fromConfig === 'string') return { source: fromConfig, path: cfgPath };
  if (Array.isArray(fromConfig)) {
    const named = fromConfig.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return { source: named.template, path: cfgPath };
  }
  const jinja = join(dir, 'chat_template.jinja');
  return existsSync(jinja) ? { source: readModelText(jinja), path: jinja } : undefined;
}

export function hfTokenizer(dir: string, modelConfig: Record<string, unknown>): Tokenizer {
  const tokPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokPath)) throw modelError('model_bad_tokenizer', dir, 'has no tokenizer.json');
  const json = readJson(tokPath);
  const cfgPath = join(dir, 'tokenizer_config.json');
  const cfg = existsSync(cfgPath) ? readJson(cfgPath) : {};
  let tok: HfTokenizer;
  try {
    tok = new HfTokenizer(json, cfg);
  } catch (err) {
    throw modelError('model_bad_tokenizer', tokPath, `cannot build the tokenizer: ${(err as Error).message}`);
  }
  // BPE/WordPiece vocabularies map piece → id; Unigram ones are a list of [piece, score].
  const vocab = (json.model as { vocab?: Record<string, number> | unknown[] } | undefined)?.vocab ?? {};
  const added = (json.added_tokens as { id: number }[] | undefined) ?? [];
  // A loop, not Math.max(...ids): real vocabularies have more ids than a call may take arguments.
  let vocabSize = Array.isArray(vocab) ? vocab.length : 0;
  for (const id of [...(Array.isArray(vocab) ? [] : Object.values(vocab)), ...added.map((t) => t.id)]) {
    if (Number.isInteger(id)) vocabSize = Math.max(vocabSize, id + 1);
  }

  const idOf = (spec: TokenSpec): number | undefined => {
    const text = tokenText(spec);
    return text === undefined ? undefined : tok.token_to_id(text);
  };
  const cfgIds = (v: unknown): number[] => (typeof v === 'number' ? [v] : Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);
  const bosId = idOf(cfg.bos_token as TokenSpec) ?? cfgIds(modelConfig.bos_token_id)[0];
  // Instruction-tuned models often list their end-of-turn tokens only in generation_config.json.
  const genPath = join(dir, 'generation_config.json');
  const genConfig = existsSync(genPath) ? readJson(genPath) : {};
  const eosIds = [
    ...new Set([idOf(cfg.eos_token as TokenSpec), ...cfgIds(modelConfig.eos_token_id), ...cfgIds(genConfig.eos_token_id)].filter((x): x is number => x !== undefined)),
  ];
  const addBos = cfg.add_bos_token === true;
  // Off unless the folder asks for it: the clean-up deletes spaces before punctuation the text had.
  const cleanUp = cfg.clean_up_tokenization_spaces === true;

  const tokenizer: Tokenizer = {
    vocabSize,
    bosId,
    addsBos: addBos,
    eosIds,
    encode(text, options) {
      const out = tok.encode(text, { add_special_tokens: false }).ids;
      return (options?.addBos ?? addBos) && bosId !== undefined ? [bosId, ...out] : out;
    },
    decode(tokenIds) {
      // @huggingface/tokenizers refuses an empty list.
      return tokenIds.length ? tok.decode(tokenIds, { skip_special_tokens: true, clean_up_tokenization_spaces: cleanUp }) : '';
    },
  };
  const template = chatTemplateSource(dir, cfg.chat_template);
  if (template) {
    tokenizer.applyChatTemplate = chatTemplateRenderer(template.source, template.path, {
      bosToken: tokenText(cfg.bos_token as TokenSpec),
      eosToken: tokenText(cfg.eos_token as TokenSpec),
    });
  }
  return tokenizer;
}
