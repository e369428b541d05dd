// Stop strings: generation ends before the first occurrence of any of them; the text excludes it.

/** Index of the earliest stop string in `text` at or after `from`, or -1. */
export function findStop(text: string, stop: string[], from: number): number {
  let best = -1;
  for (const s of stop) {
    const i = text.indexOf(s, Math.max(0, from));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** Where the next search must start so that a stop string straddling old and new text is found. */
export function nextSearchFrom(textLength: number, stop: string[]): number {
  const longest = Math.max(0, ...stop.map((s) => s.length));
  return Math.max(0, textLength - longest + 1);
}
