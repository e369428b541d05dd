// GGUF `llama` vocabularies: SentencePiece-style merging as llama.cpp's llm_tokenizer_spm does it:
// start from UTF-8 characters, repeatedly merge the adjacent pair whose concatenation is the
// highest-scoring piece (leftmost on ties), and fall back to <0xNN> byte pieces for unknown text.
import { MinHeap } from './minHeap';
import { vocabTokenizer, type VocabBase } from './specialTokens';
import type { Tokenizer } from './types';

export interface SpmVocab extends VocabBase {
  scores: number[];
  unkId?: number;
  addSpacePrefix: boolean;
}

interface Bigram { left: number; right: number; score: number; size: number }

export function spmTokenizer(v: SpmVocab): Tokenizer {
  const ids = new Map<string, number>();
  v.tokens.forEach((t, i) => { if (!ids.has(t)) ids.set(t, i); });
  const byteIds: number[] = [];
  for (let b = 0; b < 256; b++) {
    const id = ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    if (id !== undefined) byteIds[b] = id;
  }

  function pushPiece(text: string, out: number[]): void {
    const id = ids.get(text);
    if (id !== undefined) { out.push(id); return; }
    for (const b of Buffer.from(text, 'utf8')) {
      const bid = byteIds[b] ?? v.unkId;
      if (bid !== undefined) out.push(bid);
    }
  }

  function tokenizeRun(text: string, out: number[]): void {
    const sym = [...text].map((ch) => ({ text: ch, prev: -1, next: -1 }));
    sym.forEach((s, i) => { s.prev = i - 1; s.next = i + 1 < sym.length ? i + 1 : -1; });
    // Merged pieces remember their two halves so that a piece missing from the vocabulary (possible
    // only for a merge made of two known halves) is split back, as llama.cpp's resegment does.
    const halves = new Map<string, [string, string]>();
    // Highest score first; on equal scores the leftmost pair, as llama.cpp's comparator orders them.
    const queue = new MinHeap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
    const tryAdd = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const text = sym[left].text + sym[right].text;
      const id = ids.get(text);
      if (id === undefined) return;
      queue.push({ left, right, score: v.scores[id] ?? 0, size: text.length });
      halves.set(text, [sym[left].text, sym[right].text]);
    };
    for (let i = 1; i < sym.length; i++) tryAdd(i - 1, i);
    for (let bg = queue.pop(); bg; bg = queue.pop()) {
      const l = sym[bg.left];
      const r = sym[bg.right];
      if (l.text.length === 0 || r.text.length === 0 || l.text.length + r.text.length !== bg.size) continue;
      l.text += r.text;
      r.text = '';
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = bg.left;
      tryAdd(l.prev, bg.left);
      tryAdd(bg.left, l.next);
    }
    const resegment = (text: string): void => {
      if (ids.has(text)) { out.push(ids.get(text)!); return; }
      const h = halves.get(text);
      if (h) { resegment(h[0]); resegment(h[1]); return; }
      pushPiece(text, out);
    };
    for (let i = sym.length ? 0 : -1; i >= 0; i = sym[i].next) resegment(sym[i].text);
  }

  // llama.cpp merges over the whole text. When no piece contains a character followed by "▁", no
  // merge can cross the start of a word (a "▁" after another character), so words evolve
  // independently and can be tokenized one by one, with a cache: the same ids, much faster.
  const wordsIndependent = !v.tokens.some((t) => /[^\u2581]\u2581/u.test(t));
  const cache = new Map<string, number[]>();
  function tokenizeText(text: string, out: number[]): void {
    if (!wordsIndependent) {
      tokenizeRun(text, out);
      return;
    }
    for (const word of text.split(/(?<=[^\u2581])(?=\u2581)/u)) {
      let ids = cache.get(word);
      if (!ids) {
        ids = [];
        tokenizeRun(word, ids);
        if (cache.size < 100_000) cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  return vocabTokenizer(v, {
    encodeRun(text, out, afterSpecial) {
      const run = (v.addSpacePrefix && afterSpecial ? ' ' : '') + text;
      tokenizeText(run.replaceAll(' ', '\u2581'), out);
    },
    tokenBytes(t, _id, out) {
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
      if (byte) out.push(parseInt(byte[1], 16));
      else out.push(...Buffer.from(t.replaceAll('\u2581', ' '), 'utf8'));
    },
    finishDecode: (text) => (v.addSpacePrefix && text.startsWith(' ') ? text.slice(1) : text),
  });
}
