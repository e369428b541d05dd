// The model's explanation of a sample: its prose with the edits taken out (fenced code, SEARCH/REPLACE
// blocks, unified diffs, and the path line that names the file of a block). No `vscode` here.

const MAX_CHARS = 2000;

export function explanation(sample: string): string {
  const lines = sample.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  let fence = false;
  let block = false;
  let hunk = false;
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      dropPathLine(kept);
      continue;
    }
    if (fence) continue;
    if (/^<{5,7} SEARCH/.test(line)) {
      block = true;
      dropPathLine(kept);
      continue;
    }
    if (block) {
      if (/^>{5,7} REPLACE/.test(line)) block = false;
      continue;
    }
    if (/^(diff --git |--- |\+\+\+ |@@ )/.test(line)) {
      hunk = true;
      continue;
    }
    if (hunk && /^[ +\-\\]/.test(line)) continue;
    hunk = false;
    kept.push(line);
  }
  const text = kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text;
}

/** A block's file is named on the line just before it ("src/a.js" or "`src/a.js`"): not prose. */
function dropPathLine(kept: string[]): void {
  const last = kept[kept.length - 1];
  if (last !== undefined && /^\s*`?[\w./-]+\.[\w]+`?:?\s*$/.test(last)) kept.pop();
}
