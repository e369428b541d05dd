// What every GGUF vocabulary's tokenizer does the same way: text split around special tokens (control
// and user-defined pieces) before the vocabulary's own algorithm runs, longest match first, as
// llama.cpp does when it parses special tokens and as HF does with added tokens; BOS; control tokens
// left out of decoded text. The BPE and SPM tokenizers supply only how a run of text becomes ids and
// what bytes a token stands for.
import type { Tokenizer } from './types';

export type Fragment = { text: string } | { id: number };

/** A splitter for one set of special tokens, indexed by first character so long texts stay linear. */
export function specialSplitter(specials: Map<string, number>): (text: string) => Fragment[] {
  const byFirst = new Map<string, string[]>();
  for (const s of [...specials.keys()].filter((k) => k.length > 0).sort((a, b) => b.length - a.length)) {
    const list = byFirst.get(s[0]);
    if (list) list.push(s);
    else byFirst.set(s[0], [s]);
  }
  return (text) => {
    const out: Fragment[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = byFirst.get(text[i])?.find((s) => text.startsWith(s, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      if (i > start) out.push({ text: text.slice(start, i) });
      out.push({ id: specials.get(hit)! });
      i += hit.length;
      start = i;
    }
    if (start < text.length) out.push({ text: text.slice(start) });
    return out;
  };
}

export interface VocabBase {
  tokens: string[];
  specials: Map<string, number>;
  controlIds: Set<number>;
  bosId?: number;
  eosIds: number[];
  addBos: boolean;
}

export interface VocabCodec {
  /** Appends the ids of a run of ordinary text; `afterSpecial` at the start of the text and after a special token. */
  encodeRun(text: string, out: number[], afterSpecial: boolean): void;
  /** Appends the bytes token `id` (not a control token) stands for. */
  tokenBytes(token: string, id: number, out: number[]): void;
  /** A last touch on the decoded text (e.g. SPM's space prefix). */
  finishDecode?(text: string): string;
}

export function vocabTokenizer(v: VocabBase, codec: VocabCodec): Tokenizer {
  const splitSpecial = specialSplitter(v.specials);
  return {
    vocabSize: v.tokens.length,
    bosId: v.bosId,
    addsBos: v.addBos,
    eosIds: v.eosIds,
    encode(text, options) {
      const out: number[] = [];
      if ((options?.addBos ?? v.addBos) && v.bosId !== undefined) out.push(v.bosId);
      let afterSpecial = true;
      for (const f of splitSpecial(text)) {
        if ('id' in f) {
          out.push(f.id);
          afterSpecial = true;
        } else {
          codec.encodeRun(f.text, out, afterSpecial);
          afterSpecial = false;
        }
      }
      return out;
    },
    decode(tokenIds) {
      const bytes: number[] = [];
      for (const id of tokenIds) {
        if (v.controlIds.has(id)) continue;
        const t = v.tokens[id];
        if (t !== undefined) codec.tokenBytes(t, id, bytes);
      }
      const text = Buffer.from(bytes).toString('utf8');
      return codec.finishDecode ? codec.finishDecode(text) : text;
    },
  };
}
