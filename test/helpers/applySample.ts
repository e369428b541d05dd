// Parse a raw sample and apply it to a directory in one call, for tests that start from a sample's
// text. The pipeline parses first (pipeline/candidateApply.ts) because it filters the edits.
import { failedResult } from '../../src/core/edits/applyEdits';
import { applyEditsToDirectory } from '../../src/core/edits/applyToDirectory';
import type { ApplyResult, FileEdit } from '../../src/core/edits/editTypes';
import { parseEdits, type ParseOptions } from '../../src/core/edits/parseEdits';

/** Never throws for bad samples: the result says what failed. */
export async function applySampleToDirectory(dir: string, sample: string, options: ParseOptions = {}): Promise<ApplyResult> {
  let edits: FileEdit[];
  try {
    edits = parseEdits(sample, options).edits;
  } catch (err) {
    return failedResult(err);
  }
  return applyEditsToDirectory(dir, edits);
}
