// GGUF `gpt2` vocabularies: byte-level BPE with a pre-tokenizer regex chosen by tokenizer.ggml.pre,
// following llama.cpp's llm_tokenizer_bpe (merge the lowest-ranked adjacent pair, leftmost first).
import { bytesToByteLevel, byteLevelToBytes } from './byteLevel';
import { modelError } from './modelError';
import { splitSpecial } from './specialTokens';
import type { Tokenizer } from './types';

/** llama.cpp's pre-tokenizer regexes, by tokenizer.ggml.pre. */
const preTokenizers: Record<string, string> = {
  'gpt-2': "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  'llama-bpe':
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  qwen2:
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

export const supportedBpePre = Object.keys(preTokenizers);

export interface BpeVocab {
  tokens: string[];
  merges: string[];
  /** 'gpt-2', 'llama-bpe' or 'qwen2'. */
  pre: string;
  specials: Map<string, number>;
  controlIds: Set<number>;
  bosId?: number;
  eosIds: number[];
  addBos: boolean;
}

export function bpeTokenizer(v: BpeVocab, file: string): Tokenizer {
  const pattern = preTokenizers[v.pre];
  if (pattern === undefined) {
    throw modelError('model_bad_tokenizer', file, `pre-tokenizer ${JSON.stringify(v.pre)} is not supported (supported: ${supportedBpePre.join(', ')})`);
  }
  const regex = new RegExp(pattern, 'gu');
  const ids = new Map<string, number>();
  v.tokens.forEach((t, i) => { if (!ids.has(t)) ids.set(t, i); });
  const ranks = new Map<string, number>();
  v.merges.forEach((m, i) => ranks.set(m, i));
  const cache = new Map<string, number[]>();

  function bpeWord(word: string): number[] {
    const cached = cache.get(word);
    if (cached) return cached;
    const symbols = [...bytesToByteLevel(Buffer.from(word, 'utf8'))];
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
      }
      if (best < 0) break;
      symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
    }
    const out: number[] = [];
    for (const s of symbols) {
      const id = ids.get(s);
      if (id !== undefined) out.push(id);
      else for (const ch of s) { const b = ids.get(ch); if (b !== undefined) out.push(b); }
    }
    if (cache.size < 100_000) cache.set(word, out);
    return out;
  }

  return {
    vocabSize: v.tokens.length,
    bosId: v.bosId,
    eosIds: v.eosIds,
    encode(text, options) {
      const out: number[] = [];
      if ((options?.addBos ?? v.addBos) && v.bosId !== undefined) out.push(v.bosId);
      for (const f of splitSpecial(text, v.specials)) {
        if ('id' in f) out.push(f.id);
        else for (const m of f.text.matchAll(regex)) out.push(...bpeWord(m[0]));
      }
      return out;
    },
    decode(tokenIds) {
      const bytes: number[] = [];
      for (const id of tokenIds) {
        if (v.controlIds.has(id)) continue;
        const t = v.tokens[id];
        if (t === undefined) continue;
        if (v.specials.has(t)) bytes.push(...Buffer.from(t, 'utf8'));
        else bytes.push(...byteLevelToBytes(t));
      }
      return Buffer.from(bytes).toString('utf8');
    },
  };
}
