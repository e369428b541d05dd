// Turning one raw sample into an applied edit in a worktree, or into a reason why not. Hostile samples
// (too large, binary, paths out of the tree or into .git) are 'refused'; ones with no edit at all
// 'no-edits'; edits that do not match the files 'failed'.
import type { ErrorCode } from '../../protocol/errorCodes';
import { HydrapatchError } from '../../protocol/errors';
import { applyEditsToDirectory } from '../edits/applyToDirectory';
import type { ApplyResult as EditApplyResult, FileChange, FileEdit } from '../edits/editTypes';
import { parseEdits } from '../edits/parseEdits';
import { separateTestEdits, type TestFileGuard } from '../testing/testFiles';
import type { ApplyResult, ApplyStatus } from './types';

const refusals: ReadonlySet<string> = new Set<ErrorCode>(['too_large', 'binary', 'unsafe_path']);

export interface ParsedSample {
  edits: FileEdit[];
  /** Set when the sample cannot be used at all (no worktree needed to know). */
  rejected?: ApplyResult;
}

export function parseSample(text: string): ParsedSample {
  try {
    const parsed = parseEdits(text);
    if (parsed.edits.length > 0) return { edits: parsed.edits };
    return { edits: [], rejected: { status: 'no-edits', reason: 'the sample holds no edit (no SEARCH/REPLACE block, no diff)', files: [] } };
  } catch (err) {
    const e = HydrapatchError.from(err);
    return { edits: [], rejected: { status: refusals.has(e.code) ? 'refused' : 'failed', reason: e.message, files: [] } };
  }
}

export function toApplyResult(r: EditApplyResult): ApplyResult {
  let status: ApplyStatus = r.status;
  if (r.status === 'failed') status = r.failure === 'no_edits' ? 'no-edits' : r.failure && refusals.has(r.failure) ? 'refused' : 'failed';
  const files = r.changes.map((c) => c.path);
  return r.reason === undefined ? { status, files } : { status, reason: r.reason, files };
}

export interface AppliedCandidate {
  apply: ApplyResult;
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
