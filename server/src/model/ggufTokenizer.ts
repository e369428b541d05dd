// The tokenizer stored in a GGUF file's tokenizer.ggml.* metadata: `gpt2` byte-level BPE or `llama` SPM.
import { bpeTokenizer } from './bpeTokenizer';
import { chatTemplateRenderer } from './chatTemplate';
import type { GgufFile } from './gguf';
import { modelError } from './modelError';
import { spmTokenizer } from './spmTokenizer';
import type { Tokenizer } from './types';

const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_USER_DEFINED = 4;

function stringArray(file: GgufFile, key: string): string[] | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw modelError('model_bad_tokenizer', file.path, `${key} is not an array of strings`);
  return v as string[];
}

function numberArray(file: GgufFile, key: string): number[] | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw modelError('model_bad_tokenizer', file.path, `${key} is not an array of numbers`);
  return v as number[];
}

function optionalId(file: GgufFile, key: string, vocabSize: number): number | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocabSize) {
    throw modelError('model_bad_tokenizer', file.path, `${key} is ${JSON.stringify(v)}, not a token id below ${vocabSize}`);
  }
  return v;
}

export function ggufTokenizer(file: GgufFile): Tokenizer {
  const model = file.metadata.get('tokenizer.ggml.model');
  const tokens = stringArray(file, 'tokenizer.ggml.tokens');
  if (!tokens) throw modelError('model_bad_tokenizer', file.path, 'has no tokenizer (tokenizer.ggml.tokens is missing)');
  const types = numberArray(file, 'tokenizer.ggml.token_type') ?? tokens.map(() => 1);
  if (types.length !== tokens.length) {
    throw modelError('model_bad_tokenizer', file.path, `tokenizer.ggml.token_type has ${types.length} entries for ${tokens.length} tokens`);
  }
  const specials = new Map<string, number>();
  const controlIds = new Set<number>();
  types.forEach((t, i) => {
    if (t === TOKEN_CONTROL || t === TOKEN_USER_DEFINED) specials.set(tokens[i], i);
    if (t === TOKEN_CONTROL) controlIds.add(i);
  });
  const bosId = optionalId(file, 'tokenizer.ggml.bos_token_id', tokens.length);
  const eos = optionalId(file, 'tokenizer.ggml.eos_token_id', tokens.length);
  const eot = optionalId(file, 'tokenizer.ggml.eot_token_id', tokens.length);
  const eosIds = [...new Set([eos, eot].filter((x): x is number => x !== undefined))];
  const addBosMeta = file.metadata.get('tokenizer.ggml.add_bos_token');

  let tokenizer: Tokenizer;
  if (model === 'gpt2') {
    const merges = stringArray(file, 'tokenizer.ggml.merges');
    if (!merges) throw modelError('model_bad_tokenizer', file.path, 'a gpt2 tokenizer needs tokenizer.ggml.merges');
    const pre = file.metadata.get('tokenizer.ggml.pre');
    tokenizer = bpeTokenizer(
      { tokens, merges, pre: typeof pre === 'string' && pre !== '' ? pre : 'default', specials, controlIds, bosId, eosIds, addBos: addBosMeta === true },
      file.path,
    );
  } else if (model === 'llama') {
    const scores = numberArray(file, 'tokenizer.ggml.scores') ?? tokens.map(() => 0);
    const unkId = optionalId(file, 'tokenizer.ggml.unknown_token_id', tokens.length) ?? types.indexOf(TOKEN_UNKNOWN);
    tokenizer = spmTokenizer({
      tokens,
      scores,
      specials,
      controlIds,
      unkId: unkId >= 0 ? unkId : undefined,
      bosId,
      eosIds,
      addBos: addBosMeta !== false,
      addSpacePrefix: file.metadata.get('tokenizer.ggml.add_space_prefix') !== false,
    });
  } else {
    throw modelError('model_bad_tokenizer', file.path, `tokenizer model ${JSON.stringify(model ?? null)} is not supported (supported: gpt2, llama)`);
  }
  const template = file.metadata.get('tokenizer.chat_template');
  if (typeof template === 'string') {
    const render = chatTemplateRenderer(template, file.path, {
      bosToken: bosId === undefined ? undefined : tokens[bosId],
      eosToken: eos === undefined ? undefined : tokens[eos],
    });
    tokenizer = { ...tokenizer, applyChatTemplate: render };
  }
  return tokenizer;
}
