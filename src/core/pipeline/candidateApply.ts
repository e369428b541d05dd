// Turning one raw sample into an applied edit in a worktree, or into a reason why not. Hostile samples
// (too large, binary, paths out of the tree or into .git) are 'refused'; ones with no edit at all
// 'no-edits'; edits that do not match the files 'failed'.
import { failedResult } from '../edits/applyEdits';
import { applyEditsToDirectory } from '../edits/applyToDirectory';
import type { ApplyResult, FileChange, FileEdit } from '../edits/editTypes';
import { parseEdits } from '../edits/parseEdits';
import { separateTestEdits, type TestFileGuard } from '../testing/testFiles';
import type { ApplySummary } from './types';

export interface ParsedSample {
  edits: FileEdit[];
  /** Set when the sample cannot be used at all (no worktree needed to know). */
  rejected?: ApplySummary;
}

export function parseSample(text: string): ParsedSample {
  try {
    const parsed = parseEdits(text);
    if (parsed.edits.length > 0) return { edits: parsed.edits };
    return { edits: [], rejected: { status: 'no-edits', reason: 'the sample holds no edit (no SEARCH/REPLACE block, no diff)', files: [] } };
  } catch (err) {
    const failed = failedResult(err);
    return { edits: [], rejected: { status: failed.status, reason: failed.reason, files: [] } };
  }
}

export function toApplyResult(r: ApplyResult): ApplySummary {
  const files = r.changes.map((c) => c.path);
  return r.reason === undefined ? { status: r.status, files } : { status: r.status, reason: r.reason, files };
}

export interface AppliedCandidate {
  apply: ApplySummary;
  /** What was written: the candidate's diff, less its test edits unless those are allowed. */
  diff: string;
  /** Test files the candidate changed (whether or not the change was kept). */
  testFiles: string[];
  /** Each file written, as the worktree (the snapshot) had it and as the candidate leaves it. */
  changes: FileChange[];
}

/**
 * Applies the edits to the worktree. With a guard, edits to the user's tests are found and, unless
 * `allowTestEdits`, never written: the candidate is judged by the user's tests on its other changes.
 */
export async function applyInWorktree(dir: string, edits: FileEdit[], guard?: TestFileGuard, allowTestEdits = false): Promise<AppliedCandidate> {
  let testFiles: string[] = [];
  const result = await applyEditsToDirectory(dir, edits, guard && ((changes) => {
    const split = separateTestEdits(changes, guard);
    testFiles = split.testFiles;
    return allowTestEdits ? changes : split.kept;
  }));
  return { apply: toApplyResult(result), diff: result.diff, testFiles, changes: result.changes };
}
