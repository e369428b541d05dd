// Two candidates are "the same fix" when they make the same changes to the same base, whatever
// whitespace, line endings, hunk context or hunk splitting their diffs have. The key is the flat list,
// per file, of changed non-blank lines (whitespace runs collapsed) anchored at their line in the base
// file; context lines and blank-line-only changes do not count.

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/;

/** A canonical string for `diff` (a unified diff against the common base); '' for an empty diff. */
export function normalizePatch(diff: string): string {
  const files = new Map<string, string[]>();
  let current: string[] | undefined;
  let oldLine = 0;
  const lines = diff.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      const oldName = stripPrefix(lines[i].slice(4), 'a/');
      const newName = stripPrefix(lines[i + 1].slice(4), 'b/');
      const name = newName === '/dev/null' ? oldName : newName;
      current = files.get(name) ?? [];
      files.set(name, current);
      i++;
      continue;
    }
    const h = HUNK.exec(line);
    if (h) {
      // For an empty old side git writes the line *before* the insertion; count from the next one.
      oldLine = h[2] === '0' ? Number(h[1]) + 1 : Number(h[1]);
      continue;
    }
    if (!current) continue;
    const tag = line[0];
    const text = line.slice(1).trim().replace(/\s+/g, ' ');
    if (tag === ' ') oldLine++;
    else if (tag === '-') {
      if (text !== '') current.push(`${oldLine}-${text}`);
      oldLine++;
    } else if (tag === '+' && text !== '') current.push(`${oldLine}+${text}`);
  }
  const parts = [...files.entries()].filter(([, ch]) => ch.length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.map(([name, ch]) => `${name}\n${ch.join('\n')}`).join('\n\n');
}

/** Lines added plus lines removed (the size used to prefer smaller fixes). */
export function countChangedLines(diff: string): number {
  let n = 0;
  for (const line of diff.split('\n')) {
    if ((line.startsWith('+') && !line.startsWith('+++ ')) || (line.startsWith('-') && !line.startsWith('--- '))) n++;
  }
  return n;
}

function stripPrefix(raw: string, prefix: string): string {
  const name = raw.replace(/\t.*$/, '').trim();
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}
