// Unified diffs as models and tools write them: `git diff` (with `diff --git`, index lines, a/ b/
// prefixes) or `diff -u` (timestamps after the names, no prefixes), hunk headers whose counts are wrong
// or missing ("@@ @@"), blank context lines that lost their leading space. Counts are not trusted; each
// hunk's body is read up to the first line that cannot belong to it.
import type { FileEdit } from './editTypes';

const HUNK = /^@@\s*(?:-(\d+)(?:,\d+)?\s+\+\d+(?:,\d+)?)?[^@]*@@/;
const DEV_NULL = '/dev/null';

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
      let pendingBlank = 0;
      while (i < lines.length) {
        const line = lines[i];
        if (line.startsWith('--- ') && i + 1 < lines.length && lines[i + 1].startsWith('+++ ')) break;
        if (HUNK.test(line)) break;
        if (line === '') {
          // A blank line is context only if the hunk goes on after it.
          pendingBlank++;
          i++;
          continue;
        }
        const tag = line[0];
        if (tag !== ' ' && tag !== '-' && tag !== '+' && tag !== '\\') break;
        for (; pendingBlank > 0; pendingBlank--) {
          search.push('');
          replace.push('');
        }
        if (tag === ' ') {
          search.push(line.slice(1));
          replace.push(line.slice(1));
        } else if (tag === '-') search.push(line.slice(1));
        else if (tag === '+') replace.push(line.slice(1));
        i++;
      }
      hunks++;
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
