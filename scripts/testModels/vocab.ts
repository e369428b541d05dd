// Generated vocabularies of any size, trained on trainingCorpus() by plain BPE: a `gpt2` byte-level
// BPE (tokens + merges) and a `llama` SPM one (tokens + scores, <0xNN> byte fallback), each with the
// matching Hugging Face tokenizer.json so that the safetensors copy tokenizes the same way.
import { HydrapatchError } from '../../src/protocol/errors';
import { bytesToByteLevel } from '../../server/src/model/byteLevel';
import { trainingCorpus } from './corpus';

export const TOKEN_NORMAL = 1;
export const TOKEN_UNKNOWN = 2;
export const TOKEN_CONTROL = 3;
export const TOKEN_BYTE = 6;

export interface GeneratedVocab {
  kind: 'gpt2' | 'spm';
  tokens: string[];
  types: number[];
  /** SPM only. */
  scores: number[];
  /** "a b" pairs, in rank order. */
  merges: string[];
  bosId: number;
  eosId: number;
  /** gpt2: <|im_end|>, ends a chat turn. */
  eotId?: number;
  unkId?: number;
  chatTemplate: string;
  /** The tokenizer.json of the same vocabulary. */
  hfTokenizerJson: Record<string, unknown>;
  hfTokenizerConfig: Record<string, unknown>;
}

/** llama.cpp's llama-bpe/qwen2 pre-tokenizer without the digit rule, shared by both BPE variants. */
const qwen2Regex =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const chatMl =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const simpleSpmChat =
  "{{ bos_token }}{% for message in messages %}[{{ message['role'] }}] {{ message['content'] }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";

/** Most frequent adjacent pair merged first (ties: smallest pair text), until `count` merges or none left.
 *  Pair counts are updated only for the words a merge touches, which keeps a 4096-token vocabulary quick. */
function trainMerges(words: Map<string, number>, split: (w: string) => string[], count: number): [string, string][] {
  const entries = [...words].map(([w, n]) => ({ syms: split(w), n }));
  const pairs = new Map<string, number>();
  const where = new Map<string, Set<number>>();
  const tally = (idx: number, sign: number): void => {
    const { syms, n } = entries[idx];
    for (let i = 0; i + 1 < syms.length; i++) {
      const k = `${syms[i]}\u0000${syms[i + 1]}`;
      pairs.set(k, (pairs.get(k) ?? 0) + sign * n);
      if (sign > 0) {
        let set = where.get(k);
        if (!set) where.set(k, (set = new Set()));
        set.add(idx);
      }
    }
  };
  entries.forEach((_, i) => tally(i, 1));
  const merges: [string, string][] = [];
  while (merges.length < count) {
    let best: string | undefined;
    let bestN = 0;
    for (const [k, n] of pairs) if (n > bestN || (n === bestN && best !== undefined && k < best)) { best = k; bestN = n; }
    if (best === undefined) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    for (const idx of where.get(best) ?? []) {
      const e = entries[idx];
      tally(idx, -1);
      for (let i = 0; i + 1 < e.syms.length; i++) {
        if (e.syms[i] === a && e.syms[i + 1] === b) e.syms.splice(i, 2, a + b);
      }
      tally(idx, 1);
    }
    where.delete(best);
    pairs.delete(best);
  }
  return merges;
}

function countWords(parts: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of parts) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

function addedToken(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export function gpt2Vocab(size: number, seed = 1): GeneratedVocab {
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  if (size < 256 + specials.length) {
    throw new HydrapatchError('bad_input', `a gpt2 vocabulary needs at least ${256 + specials.length} tokens, asked for ${size}`, 'Ask for a larger vocabSize.');
  }
  const tokens: string[] = [];
  for (let b = 0; b < 256; b++) tokens.push(bytesToByteLevel(Uint8Array.of(b)));
  const known = new Set(tokens);
  const corpus = trainingCorpus(seed);
  const words = countWords([...corpus.matchAll(new RegExp(qwen2Regex, 'gu'))].map((m) => bytesToByteLevel(Buffer.from(m[0], 'utf8'))));
  const budget = size - 256 - specials.length;
  const merges: string[] = [];
  for (const [a, b] of trainMerges(words, (w) => [...w], budget)) {
    if (tokens.length >= 256 + budget) break;
    merges.push(`${a} ${b}`);
    if (!known.has(a + b)) { known.add(a + b); tokens.push(a + b); }
  }
  // A corpus too small for the asked size: unreachable filler tokens keep the size exact.
  for (let i = 0; tokens.length < 256 + budget; i++) tokens.push(`<|extra_${i}|>`);
  const firstSpecial = tokens.length;
  tokens.push(...specials);
  const types = tokens.map((_, i) => (i >= firstSpecial ? TOKEN_CONTROL : TOKEN_NORMAL));
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { if (i < firstSpecial) vocab[t] = i; });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    kind: 'gpt2',
    tokens,
    types,
    scores: [],
    merges,
    bosId: firstSpecial,
    eosId: firstSpecial,
    eotId: firstSpecial + 2,
    chatTemplate: chatMl,
    hfTokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((s, i) => addedToken(firstSpecial + i, s)),
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [{ type: 'Split', pattern: { Regex: qwen2Regex }, behavior: 'Isolated', invert: false }, byteLevel],
      },
      post_processor: byteLevel,
      decoder: byteLevel,
      model: {
        type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
        fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
      },
    },
    hfTokenizerConfig: {
      add_bos_token: false, bos_token: null, eos_token: '<|im_end|>', chat_template: chatMl, model_max_length: 4096,
      clean_up_tokenization_spaces: false,
    },
  };
}

export function spmVocab(size: number, seed = 1): GeneratedVocab {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`); types.push(TOKEN_BYTE); }
  const scores = tokens.map(() => 0);
  if (size < tokens.length + 1) {
    throw new HydrapatchError('bad_input', `an SPM vocabulary needs at least ${tokens.length + 1} tokens, asked for ${size}`, 'Ask for a larger vocabSize.');
  }
  const corpus = (' ' + trainingCorpus(seed)).replaceAll(' ', '\u2581');
  const charCounts = countWords(corpus);
  const chars = [...charCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  const known = new Set<string>();
  for (const c of chars) {
    if (tokens.length >= size) break;
    known.add(c);
    tokens.push(c);
    types.push(TOKEN_NORMAL);
    scores.push(-1e6 - tokens.length);
  }
  // Words start at each ▁, as SentencePiece splits them; merges never cross a word start.
  const words = countWords(corpus.split(/(?=\u2581)/u));
  const merges: string[] = [];
  for (const [a, b] of trainMerges(words, (w) => [...w].filter((c) => known.has(c)), size - tokens.length)) {
    if (tokens.length >= size) break;
    merges.push(`${a} ${b}`);
    if (!known.has(a + b)) {
      known.add(a + b);
      tokens.push(a + b);
      types.push(TOKEN_NORMAL);
      scores.push(-merges.length);
    }
  }
  for (let i = 0; tokens.length < size; i++) { tokens.push(`<extra_${i}>`); types.push(TOKEN_NORMAL); scores.push(-1e9); }
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { vocab[t] = i; });
  return {
    kind: 'spm',
    tokens,
    types,
    scores,
    merges,
    bosId: 1,
    eosId: 2,
    unkId: 0,
    chatTemplate: simpleSpmChat,
    hfTokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [addedToken(0, '<unk>'), addedToken(1, '<s>'), addedToken(2, '</s>')],
      normalizer: {
        type: 'Sequence',
        normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }],
      },
      pre_tokenizer: null,
      post_processor: null,
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: {
        type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
        fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges,
      },
    },
    hfTokenizerConfig: {
      add_bos_token: true, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', chat_template: simpleSpmChat, model_max_length: 4096,
      clean_up_tokenization_spaces: false,
    },
  };
}
