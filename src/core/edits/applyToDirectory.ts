// Apply parsed edits to a directory (a candidate's worktree): compute every file in memory, and only
// when all edits apply write them, each through resolveInside so that no symlink carries a write
// out of the directory.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { applied, applyEditsToTexts, failedResult } from './applyEdits';
import type { ApplyResult, FileChange, FileEdit } from './editTypes';
import { formatDiff } from './formatDiff';
import { resolveInside } from './safePath';

/** Files larger than this are not edited (they are data, not code). */
export const maxEditableFileBytes = 5_000_000;

/**
 * Apply already-parsed edits to `dir`, all or nothing. `keep` may rewrite the computed changes before
 * anything is written (the pipeline drops edits to the user's tests there); the diff is of what is written.
 */
export async function applyEditsToDirectory(dir: string, edits: FileEdit[], keep?: (changes: FileChange[]) => FileChange[]): Promise<ApplyResult> {
  const read = async (path: string): Promise<string | null> => {
    const abs = await resolveInside(dir, path);
    const st = await stat(abs).catch(() => undefined);
    if (!st) return null;
    if (!st.isFile()) throw new HydrapatchError('unsafe_path', `${path} is not a regular file`);
    if (st.size > maxEditableFileBytes) throw new HydrapatchError('too_large', `${path} is ${st.size} bytes, over the ${maxEditableFileBytes}-byte limit for edited files`);
    return readFile(abs, 'utf8');
  };
  let result = await applyEditsToTexts(edits, read);
  if (!applied(result)) return result;
  if (keep) {
    const changes = keep(result.changes);
    result = { ...result, changes, diff: formatDiff(changes) };
  }
  try {
    await writeChanges(dir, result.changes);
  } catch (err) {
    return failedResult(err);
  }
  return result;
}

/** Writes each change's `after` into `dir` (null deletes the file); an applied candidate written again elsewhere. */
export async function writeChanges(dir: string, changes: FileChange[]): Promise<void> {
  for (const c of changes) {
    const abs = await resolveInside(dir, c.path);
    if (c.after === null) await rm(abs, { force: true });
    else {
      await mkdir(dirname(abs), { recursive: true });
      // Re-check after mkdir: a directory just created cannot be a symlink, but an existing one can.
      await writeFile(await resolveInside(dir, c.path), c.after, 'utf8');
    }
  }
}
