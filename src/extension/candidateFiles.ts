// A candidate's unified diff turned into whole files: for each path, the content before (as the run saw
// the user's tree) and after. Used for the diff editor and for applying. No `vscode` here.
import { applyPatch, parsePatch } from 'diff';
import { HydrapatchError } from '../protocol/errors';

export interface FileChange {
  /** Repository-relative path with '/' separators. */
  path: string;
  /** null: the candidate creates the file. */
  before: string | null;
  /** null: the candidate deletes the file. */
  after: string | null;
}

function stripSide(name: string | undefined): string | null {
  if (!name || name === '/dev/null') return null;
  return name.replace(/^[ab]\//, '');
}

/** Paths a diff touches, without reading anything. */
export function diffPaths(diff: string): string[] {
  return parsePatch(diff)
    .map((p) => stripSide(p.newFileName) ?? stripSide(p.oldFileName))
    .filter((p): p is string => p !== null);
}

/** `base(path)` gives the run's content of a file (null when it did not exist). */
export function fileChanges(diff: string, base: (path: string) => string | null): FileChange[] {
  return parsePatch(diff).flatMap((patch): FileChange[] => {
    const oldPath = stripSide(patch.oldFileName);
    const newPath = stripSide(patch.newFileName);
    const path = newPath ?? oldPath;
    if (path === null) return [];
    const before = oldPath === null ? null : base(oldPath);
    if (newPath === null) return [{ path, before, after: null }];
    const after = applyPatch(before ?? '', patch);
    if (after === false) {
      throw new HydrapatchError('patch-mismatch', `The candidate's diff no longer applies to ${path}.`, 'The file changed since the run; run "Hydrapatch: Solve Issue" again.');
    }
    return [{ path, before, after }];
  });
}
