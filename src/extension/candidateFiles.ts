// Which files a candidate changes, and what it does to each: the pipeline's own record of the file as
// in the snapshot the candidate was tested on (before) and as the candidate leaves it (after). Used for
// the diff editor and for applying. No `vscode` here.
import { parsePatch } from 'diff';
import { HydrapatchError } from '../protocol/errors';
import type { FileChange } from '../core/edits/editTypes';
import type { RunState } from './runState';

export type { FileChange };

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

/** The files of a candidate of the run; throws when the run has none for it. */
export function candidateChanges(run: RunState, index: number): FileChange[] {
  const changes = run.changes.get(index);
  if (!changes || changes.length === 0) {
    throw new HydrapatchError('no_candidate', `${run.label(index)} has no patch in the current run.`, 'Pick a candidate from "Hydrapatch: Show Candidates".');
  }
  return changes;
}
