// Apply parsed edits to files, all or nothing: a candidate either applies entirely (clean or fuzzy)
// or fails with the first reason found, and then nothing is written.
import { HydrapatchError } from '../../protocol/errors';
import type { ApplyFailure, ApplyResult, ApplyStatus, FileChange, FileEdit } from './editTypes';
import { formatDiff } from './formatDiff';
import { MatchBudgetExceeded, matchLines } from './matchLines';
import { checkEditPath } from './safePath';
import { joinLines, splitLines, type TextLines } from './textLines';

/** Reads a repository-relative (checked) path: its text, or null when the file does not exist. */
export type ReadFile = (path: string) => Promise<string | null>;

/** More edits than any real fix has; each edit rewrites its file, so this bounds the work too. */
export const maxEditsPerSample = 1000;

const failureCodes: readonly ApplyFailure[] = ['no_edits', 'too_large', 'unsafe_path', 'binary', 'missing_file', 'file_exists', 'no_match', 'io'];

/** Failures that mark a sample as unsafe rather than wrong. */
const refusals: readonly ApplyFailure[] = ['too_large', 'binary', 'unsafe_path'];

/** An ApplyResult that did not apply, from a HydrapatchError whose code is an ApplyFailure (else 'io'). */
export function failedResult(err: unknown): ApplyResult {
  const e = HydrapatchError.from(err);
  const failure = (failureCodes as readonly string[]).includes(e.code) ? (e.code as ApplyFailure) : 'io';
  const status: ApplyStatus = failure === 'no_edits' ? 'no-edits' : refusals.includes(failure) ? 'refused' : 'failed';
  return { status, failure, reason: e.message, changes: [], diff: '' };
}

/** The edits applied (cleanly or with whitespace tolerance), so there are changes to write. */
export function applied(result: ApplyResult): boolean {
  return result.status === 'clean' || result.status === 'fuzzy';
}

/** Compute the files after `edits` without writing anything. */
export async function applyEditsToTexts(edits: FileEdit[], read: ReadFile): Promise<ApplyResult> {
  if (edits.length === 0) return failedResult(new HydrapatchError('no_edits', 'the sample holds no edit (no SEARCH/REPLACE block, no diff)'));
  if (edits.length > maxEditsPerSample) {
    return failedResult(new HydrapatchError('too_large', `the sample holds ${edits.length} edits, over the limit of ${maxEditsPerSample}`));
  }
  const before = new Map<string, string | null>();
  const now = new Map<string, TextLines | null>();
  const notes: string[] = [];
  try {
    for (const [n, edit] of edits.entries()) {
      const path = checkEditPath(edit.path);
      const where = `edit ${n + 1} (${path})`;
      if (!before.has(path)) {
        const text = await read(path);
        if (text !== null && text.includes('\0')) {
          throw new HydrapatchError('binary', `${where}: ${path} is a binary file`, 'only text files can be edited');
        }
        before.set(path, text);
        now.set(path, text === null ? null : splitLines(text));
      }
      const file = now.get(path) ?? null;
      if (edit.deleteFile) {
        if (file === null) throw new HydrapatchError('missing_file', `${where}: cannot delete ${path}, it does not exist`);
        now.set(path, null);
        continue;
      }
      if (edit.search.length === 0 || edit.search.every((l) => l.trim() === '')) {
        if (file !== null && file.lines.some((l) => l.trim() !== '')) {
          throw new HydrapatchError('file_exists', `${where}: empty SEARCH but ${path} already exists and is not empty`, 'an empty SEARCH creates a new file; to change a file, SEARCH for lines in it');
        }
        now.set(path, { lines: [...edit.replace], eol: file?.eol ?? '\n', finalNewline: true });
        continue;
      }
      if (file === null) {
        throw new HydrapatchError('missing_file', `${where}: ${path} does not exist`, 'SEARCH must quote lines of an existing file');
      }
      let m;
      try {
        m = matchLines(file.lines, edit.search, edit.replace, edit.lineHint);
      } catch (err) {
        if (!(err instanceof MatchBudgetExceeded)) throw err;
        throw new HydrapatchError('too_large', `${where}: finding the ${edit.search.length} SEARCH line(s) in ${path} would take too long`, 'SEARCH should quote a few distinctive lines');
      }
      if (!m) {
        throw new HydrapatchError('no_match', `${where}: the ${edit.search.length} SEARCH line(s) starting ${JSON.stringify(edit.search.find((l) => l.trim() !== '') ?? '')} are not in ${path}`);
      }
      if (m.quality !== 'exact') notes.push(`${where}: matched with ${m.quality} tolerance`);
      if (m.ambiguous) notes.push(`${where}: SEARCH matches several places; used line ${m.start + 1}`);
      const lines = [...file.lines.slice(0, m.start), ...m.replace, ...file.lines.slice(m.start + m.length)];
      now.set(path, { ...file, lines });
    }
  } catch (err) {
    return failedResult(err);
  }
  const changes: FileChange[] = [];
  for (const [path, lines] of now) {
    const after = lines === null ? null : joinLines(lines);
    const old = before.get(path) ?? null;
    if (after !== old) changes.push({ path, before: old, after });
  }
  if (changes.length === 0) return failedResult(new HydrapatchError('no_edits', 'the edits change nothing'));
  return {
    status: notes.length > 0 ? 'fuzzy' : 'clean',
    reason: notes.length > 0 ? notes.join('; ') : undefined,
    changes,
    diff: formatDiff(changes),
  };
}
