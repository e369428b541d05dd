// Unified diffs as models and tools write them: `git diff` (with `diff --git`, index lines, a/ b/
// prefixes) or `diff -u` (timestamps after the names, no prefixes), hunk headers whose counts are wrong
// or missing ("@@ @@"), context lines that lost their leading space (blank or not). Counts are not
// trusted: a hunk's body runs to the next header, hunk or fence, and lines without a tag count as
// context only when tagged lines follow them (so prose after the diff is not taken for context).
import type { FileEdit } from './editTypes';

const HUNK = /^@@\s*(?:-(\d+)(?:,\d+)?\s+\+\d+(?:,\d+)?)?[^@]*@@/;
const DEV_NULL = '/dev/null';
const FENCE = /^\s*(```|~~~)/;

export interface UnifiedDiffParse {
  edits: FileEdit[];
  warnings: string[];
}

/** Parse every file section of a unified diff in `text` (line endings already '\n'). */
export function parseUnifiedDiff(text: string): UnifiedDiffParse {
  const lines = text.split('\n');
  const edits: FileEdit[] = [];
  const warnings: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!(lines[i].startsWith('--- ') && i + 1 < lines.length && lines[i + 1].startsWith('+++ '))) {
      i++;
      continue;
    }
    const oldName = headerPath(lines[i].slice(4));
    const newName = headerPath(lines[i + 1].slice(4));
    const [oldPath, newPath] = stripPrefixes(oldName, newName);
    i += 2;
    const path = newPath === DEV_NULL ? oldPath : newPath;
    const deleted = newPath === DEV_NULL;
    let hunks = 0;
    while (i < lines.length && HUNK.test(lines[i])) {
      const m = HUNK.exec(lines[i]) as RegExpExecArray;
      const lineHint = m[1] === undefined ? undefined : Number(m[1]);
      i++;
      const search: string[] = [];
      const replace: string[] = [];
      const untagged: string[] = [];
      while (i < lines.length) {
        const line = lines[i];
        if (line.startsWith('--- ') && i + 1 < lines.length && lines[i + 1].startsWith('+++ ')) break;
        if (HUNK.test(line) || FENCE.test(line)) break;
        const tag = line[0];
        if (tag !== ' ' && tag !== '-' && tag !== '+' && tag !== '\\') {
          untagged.push(line);
          i++;
          continue;
        }
        for (const u of untagged.splice(0)) {
          search.push(u);
          replace.push(u);
        }
        if (tag === ' ') {
          search.push(line.slice(1));
          replace.push(line.slice(1));
        } else if (tag === '-') search.push(line.slice(1));
        else if (tag === '+') replace.push(line.slice(1));
        i++;
      }
      hunks++;
      if (search.length === 0 && replace.length === 0) {
        warnings.push(`an empty hunk for ${path}, skipped`);
        continue;
      }
      if (path === DEV_NULL) {
        warnings.push('a diff section from /dev/null to /dev/null, skipped');
        continue;
      }
      edits.push({
        path,
        search: oldPath === DEV_NULL ? [] : search,
        replace,
        lineHint: oldPath === DEV_NULL ? undefined : lineHint,
        deleteFile: deleted || undefined,
        format: 'unifiedDiff',
      });
    }
    if (hunks === 0) warnings.push(`diff section for ${path} has no hunks, skipped`);
  }
  return { edits, warnings };
}

/** "a/src/x.ts\t2024-01-01 10:00" or "\"a/odd name\"" -> the name alone. */
function headerPath(raw: string): string {
  // Longer than any real path: left as is, for checkEditPath to refuse, and kept away from the regexes.
  if (raw.length > 4096) return raw;
  let s = raw.replace(/\t.*$/, '').trim();
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) s = s.slice(1, -1);
  // `diff -u` without a tab before the date: "file.py 2024-01-01 10:00:00.000 +0000".
  s = s.replace(/\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(\s*[+-]\d{4})?$/, '');
  return s;
}

function stripPrefixes(oldPath: string, newPath: string): [string, string] {
  const hasA = oldPath === DEV_NULL || oldPath.startsWith('a/');
  const hasB = newPath === DEV_NULL || newPath.startsWith('b/');
  if (hasA && hasB && !(oldPath === DEV_NULL && newPath === DEV_NULL)) {
    return [oldPath === DEV_NULL ? oldPath : oldPath.slice(2), newPath === DEV_NULL ? newPath : newPath.slice(2)];
  }
  return [oldPath, newPath];
}
