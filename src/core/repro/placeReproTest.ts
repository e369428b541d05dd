// Puts a test sample's file into a tree under its reproduction path: the edits are applied to the text
// of the file the model named (empty when new) and the result is written under reproPath, so the
// user's own test file is never changed and the placed file cannot collide with one of theirs.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { applied, applyEditsToTexts } from '../edits/applyEdits';
import { maxEditableFileBytes } from '../edits/applyToDirectory';
import type { FileEdit } from '../edits/editTypes';
import { resolveInside } from '../edits/safePath';
import { reproPath } from './reproPath';

export type PlacedReproTest = { path: string; content: string } | { reason: string };

export async function placeReproTest(dir: string, requested: { path: string; edits: FileEdit[] }, index: number): Promise<PlacedReproTest> {
  // Named by the sample's number as the report shows it (1-based).
  const path = reproPath(requested.path, index + 1);
  try {
    const read = async (): Promise<string | null> => {
      const abs = await resolveInside(dir, requested.path);
      const st = await stat(abs).catch(() => undefined);
      if (!st) return null;
      if (!st.isFile()) throw new HydrapatchError('unsafe_path', `${requested.path} is not a regular file`);
      if (st.size > maxEditableFileBytes) throw new HydrapatchError('too_large', `${requested.path} is over the ${maxEditableFileBytes}-byte limit for edited files`);
      return readFile(abs, 'utf8');
    };
    const result = await applyEditsToTexts(requested.edits.map((e) => ({ ...e, path })), read);
    const content = result.changes[0]?.after;
    if (!applied(result) || content == null) return { reason: result.reason ?? 'the edit leaves no test file' };
    await writeReproTest(dir, { path, content });
    return { path, content };
  } catch (err) {
    return { reason: HydrapatchError.from(err).message };
  }
}

/** Writes a placed test into a tree (a candidate's worktree, after its own edits). */
export async function writeReproTest(dir: string, test: { path: string; content: string }): Promise<void> {
  await mkdir(dirname(await resolveInside(dir, test.path)), { recursive: true });
  await writeFile(await resolveInside(dir, test.path), test.content, 'utf8');
}
