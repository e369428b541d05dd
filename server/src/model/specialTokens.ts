// Splits text around special tokens (control and user-defined pieces) before the normal tokenizer runs,
// longest match first, as llama.cpp does when it parses special tokens and as HF does with added tokens.

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
