// GGUF `gpt2` vocabularies: byte-level BPE with a pre-tokenizer regex chosen by tokenizer.ggml.pre,
// following llama.cpp's llm_tokenizer_bpe (merge the lowest-ranked adjacent pair, leftmost first).
import { bytesToByteLevel, byteLevelToBytes } from './byteLevel';
import { modelError } from './modelError';
import { MinHeap } from './minHeap';
import { vocabTokenizer, type VocabBase } from './specialTokens';
import type { Tokenizer } from './types';

// llama.cpp's pre-tokenizers (llm_tokenizer_bpe), by tokenizer.ggml.pre. Each is a list of regexes
// applied in turn: every regex splits each piece so far into its matches and the gaps between them.
const contractions = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const llama3 = `${contractions}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const qwen2 = `${contractions}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const gpt4o =
  `[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+${contractions}?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*${contractions}?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;

const preTokenizerGroups: [string[], string[]][] = [
  [['default'], ['[\\p{P}\\$\\+<=>\\^~\\|]+', gpt2, '\\p{N}+', '[0-9][0-9][0-9]']],
  [['gpt-2', 'phi-2', 'mpt', 'olmo', 'jais', 'roberta-bpe'], [gpt2]],
  [['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'dbrx', 'smaug-bpe', 'chatglm-bpe', 'glm4'], [llama3]],
  [['qwen2', 'deepseek-r1-qwen', 'stablelm2', 'megrez'], [qwen2]],
  [['starcoder', 'refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b'], ['\\p{N}', gpt2]],
  [['falcon'], ['[\\p{P}\\$\\+<=>\\^~\\|`]+', gpt2, '[0-9][0-9][0-9]']],
  [['gpt-4o', 'llama4'], [gpt4o]],
];

const preTokenizers = new Map<string, string[]>(preTokenizerGroups.flatMap(([names, regexes]) => names.map((n): [string, string[]] => [n, regexes])));

export const supportedBpePre = [...preTokenizers.keys()];

function preTokenize(text: string, regexes: RegExp[]): string[] {
  let pieces = [text];
  for (const re of regexes) {
    const next: string[] = [];
    for (const piece of pieces) {
      let at = 0;
      for (const m of piece.matchAll(re)) {
        if (m[0].length === 0) continue;
        if (m.index > at) next.push(piece.slice(at, m.index));
        next.push(m[0]);
        at = m.index + m[0].length;
      }
      if (at < piece.length) next.push(piece.slice(at));
    }
    pieces = next;
  }
  return pieces;
}

export interface BpeVocab extends VocabBase {
  merges: string[];
  /** tokenizer.ggml.pre, e.g. 'default', 'gpt-2', 'llama-bpe', 'qwen2'. */
  pre: string;
}

export function bpeTokenizer(v: BpeVocab, file: string): Tokenizer {
  const patterns = preTokenizers.get(v.pre);
  if (patterns === undefined) {
    throw modelError('model_bad_tokenizer', file, `pre-tokenizer ${JSON.stringify(v.pre)} is not supported (supported: ${supportedBpePre.join(', ')})`);
  }
  const regexes = patterns.map((p) => new RegExp(p, 'gu'));
  const ids = new Map<string, number>();
  v.tokens.forEach((t, i) => { if (!ids.has(t)) ids.set(t, i); });
  const ranks = new Map<string, number>();
  v.merges.forEach((m, i) => ranks.set(m, i));
  const cache = new Map<string, number[]>();

  function bpeWord(word: string): number[] {
    const cached = cache.get(word);
    if (cached) return cached;
    // Symbols in a linked list; candidate merges in a heap by (rank, left position). A popped
    // candidate whose symbols have changed since it was queued is stale and skipped.
    const sym = [...bytesToByteLevel(Buffer.from(word, 'utf8'))].map((text, i, all) => ({ text, prev: i - 1, next: i + 1 < all.length ? i + 1 : -1 }));
    const queue = new MinHeap<{ rank: number; left: number; right: number; text: string }>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const tryAdd = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const rank = ranks.get(`${sym[left].text} ${sym[right].text}`);
      if (rank !== undefined) queue.push({ rank, left, right, text: sym[left].text + sym[right].text });
    };
    for (let i = 1; i < sym.length; i++) tryAdd(i - 1, i);
    for (let m = queue.pop(); m; m = queue.pop()) {
      const l = sym[m.left];
      const r = sym[m.right];
      if (!l.text || !r.text || l.next !== m.right || l.text + r.text !== m.text) continue;
      l.text = m.text;
      r.text = '';
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = m.left;
      tryAdd(l.prev, m.left);
      tryAdd(m.left, l.next);
    }
    const symbols: string[] = [];
    for (let i = sym.length ? 0 : -1; i >= 0; i = sym[i].next) symbols.push(sym[i].text);
    const out: number[] = [];
    for (const s of symbols) {
      const id = ids.get(s);
      if (id !== undefined) out.push(id);
      else for (const ch of s) { const b = ids.get(ch); if (b !== undefined) out.push(b); }
    }
    if (cache.size < 100_000) cache.set(word, out);
    return out;
  }

  return vocabTokenizer(v, {
    encodeRun(text, out) {
      for (const word of preTokenize(text, regexes)) out.push(...bpeWord(word));
    },
    tokenBytes(t, _id, out) {
      if (v.specials.has(t)) out.push(...Buffer.from(t, 'utf8'));
      else out.push(...byteLevelToBytes(t));
    },
  });
}
