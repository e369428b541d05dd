// Splits text around special tokens (control and user-defined pieces) before the normal tokenizer runs,
// longest match first, as llama.cpp does when it parses special tokens and as HF does with added tokens.

export type Fragment = { text: string } | { id: number };

export function splitSpecial(text: string, specials: Map<string, number>): Fragment[] {
  if (specials.size === 0 || text.length === 0) return text ? [{ text }] : [];
  const byLength = [...specials.keys()].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const out: Fragment[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const hit = byLength.find((s) => text.startsWith(s, i));
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
}
