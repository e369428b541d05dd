// Two candidates are "the same fix" when they make the same changes to the same base, whatever
// whitespace, line endings, hunk context or hunk splitting their diffs have. The key is the flat list,
// per file, of changed non-blank lines (whitespace runs collapsed) anchored at their line in the base
// file; context lines and blank-line-only changes do not count. Diffs are read with jsdiff's parsePatch.
import { parsePatch, type StructuredPatch } from 'diff';

/** A canonical string for `diff` (a unified diff against the common base); '' for an empty diff. */
export function normalizePatch(diff: string): string {
  const files = new Map<string, string[]>();
  for (const patch of parseDiff(diff)) {
    const name = fileName(patch);
    const changed = files.get(name) ?? [];
    files.set(name, changed);
    for (const hunk of patch.hunks) {
      // jsdiff numbers an empty old side by the line after it, so an insertion anchors where it lands.
      let oldLine = hunk.oldStart;
      for (const line of hunk.lines) {
        const tag = line[0];
        const text = line.slice(1).trim().replace(/\s+/g, ' ');
        if (tag === ' ') oldLine++;
        else if (tag === '-') {
          if (text !== '') changed.push(`${oldLine}-${text}`);
          oldLine++;
        } else if (tag === '+' && text !== '') changed.push(`${oldLine}+${text}`);
      }
    }
  }
  const parts = [...files.entries()].filter(([, ch]) => ch.length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.map(([name, ch]) => `${name}\n${ch.join('\n')}`).join('\n\n');
}

/** Lines added plus lines removed (the size used to prefer smaller fixes). */
export function countChangedLines(diff: string): number {
  let n = 0;
  for (const patch of parseDiff(diff)) for (const hunk of patch.hunks) for (const line of hunk.lines) if (line[0] === '+' || line[0] === '-') n++;
  return n;
}

function parseDiff(diff: string): StructuredPatch[] {
  return parsePatch(diff.replace(/\r\n?/g, '\n'));
}

/** The file a patch changes: its new name, or the old one when it deletes the file; without a/ b/. */
function fileName(patch: StructuredPatch): string {
  const strip = (raw: string | undefined, prefix: string) => {
    const name = (raw ?? '').replace(/\t.*$/, '').trim();
    return name.startsWith(prefix) ? name.slice(prefix.length) : name;
  };
  const newName = strip(patch.newFileName, 'b/');
  return newName === '/dev/null' || newName === '' ? strip(patch.oldFileName, 'a/') : newName;
}
