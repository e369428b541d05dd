// Search/replace blocks as models really write them: with or without ``` fences, the file name on the
// line before the block or on the fence line, stray prose around, several blocks per file (the name
// is then often given once), CRLF. An empty SEARCH creates a file.
import type { FileEdit } from './editTypes';

const SEARCH = /^\s*<{5,9}\s*SEARCH\b/i;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE = /^\s*>{5,9}\s*REPLACE\b/i;
const FENCE = /^\s*(```|~~~)/;

export interface SearchReplaceParse {
  edits: FileEdit[];
  warnings: string[];
}

/** Parse every SEARCH/REPLACE block of `text` (line endings already '\n'). */
export function parseSearchReplace(text: string): SearchReplaceParse {
  const lines = text.split('\n');
  const edits: FileEdit[] = [];
  const warnings: string[] = [];
  let lastPath: string | undefined;
  let i = 0;
  while (i < lines.length) {
    if (!SEARCH.test(lines[i])) {
      i++;
      continue;
    }
    const path = pathBefore(lines, i) ?? lastPath;
    const search: string[] = [];
    const replace: string[] = [];
    let j = i + 1;
    while (j < lines.length && !DIVIDER.test(lines[j]) && !SEARCH.test(lines[j])) search.push(lines[j++]);
    if (j >= lines.length || !DIVIDER.test(lines[j])) {
      warnings.push(`block at line ${i + 1}: SEARCH without "=======", skipped`);
      i = j;
      continue;
    }
    j++;
    while (j < lines.length && !REPLACE.test(lines[j]) && !SEARCH.test(lines[j])) replace.push(lines[j++]);
    if (j >= lines.length || !REPLACE.test(lines[j])) {
      warnings.push(`block at line ${i + 1}: no ">>>>>>> REPLACE" before the next block or the end, skipped`);
      i = j;
      continue;
    }
    if (path === undefined) warnings.push(`block at line ${i + 1}: no file name before it, skipped`);
    else {
      edits.push({ path, search, replace, format: 'searchReplace' });
      lastPath = path;
    }
    i = j + 1;
  }
  return { edits, warnings };
}

/** The file name written just above a block: the nearest non-blank line, or the fence line's tail. */
function pathBefore(lines: string[], markerLine: number): string | undefined {
  for (let k = markerLine - 1; k >= 0 && k >= markerLine - 4; k--) {
    const line = lines[k].trim();
    if (line === '') continue;
    if (FENCE.test(line)) {
      const tail = line.replace(/^(```|~~~)\s*/, '');
      // "```python" names a language; "```src/app.py" or "```python src/app.py" names the file.
      const words = tail.split(/\s+/).filter(Boolean);
      const named = words.map(cleanPath).find((w) => w !== undefined);
      if (named) return named;
      continue;
    }
    return cleanPath(line);
  }
  return undefined;
}

const maxPathLine = 1024;

/** Strip markdown decoration ("**`src/a.ts`**:", "# File: a.py") and accept only what looks like a path. */
export function cleanPath(raw: string): string | undefined {
  // Real path lines are short; a long line is prose or an attack on the regular expressions below.
  if (raw.length > maxPathLine) return undefined;
  let s = raw.trim();
  s = s.replace(/^#+\s*/, '').replace(/^[-*]\s+/, '');
  s = s.replace(/^(file(name)?|path)\s*:\s*/i, '');
  s = s.replace(/^[*`'"]+/, '').replace(/[*`'":]+$/, '');
  s = s.replace(/^(file(name)?|path)\s*:\s*/i, '').trim();
  if (s === '' || /\s/.test(s)) return named(raw);
  return looksLikePath(s) ? s : named(raw);
}

/** A path inside prose: "In `src/a.js`, change:" or "Update lib/util.py:". */
function named(line: string): string | undefined {
  for (const m of line.matchAll(/`([^`\s]+)`/g)) if (looksLikePath(m[1])) return m[1];
  const last = /(\S+):\s*$/.exec(line.trim())?.[1];
  return last !== undefined && /^[\w@./-]+$/.test(last) && looksLikePath(last) ? last : undefined;
}

/** A directory part or a real extension, not ending in '/', or a well-known extensionless file name. */
function looksLikePath(s: string): boolean {
  if (s.endsWith('/') || /^[.]+$/.test(s)) return false;
  return /\//.test(s) || /[^./]\.[A-Za-z0-9_+-]+$/.test(s) || /^(Makefile|Dockerfile|Rakefile|Gemfile|LICENSE|README)$/.test(s);
}
