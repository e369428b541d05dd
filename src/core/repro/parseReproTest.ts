// A test sample as edits to one test file: the edits of the first test file it names (a new file, or
// additions to an existing one). A sample that edits anything but tests is not a reproduction test.
import { HydrapatchError } from '../../protocol/errors';
import type { FileEdit } from '../edits/editTypes';
import { parseEdits } from '../edits/parseEdits';
import { isTestFilePath } from '../testing/testFiles';

export type ParsedReproTest = { path: string; edits: FileEdit[] } | { reason: string };

export function parseReproTest(text: string): ParsedReproTest {
  let edits: FileEdit[];
  try {
    edits = parseEdits(text).edits;
  } catch (err) {
    return { reason: HydrapatchError.from(err).message };
  }
  if (edits.length === 0) return { reason: 'the sample holds no edit (no SEARCH/REPLACE block, no diff)' };
  const other = [...new Set(edits.filter((e) => !isTestFilePath(e.path)).map((e) => e.path))];
  if (other.length > 0) return { reason: `it edits files that are not tests (${other.join(', ')}); a reproduction test may only add a test` };
  if (edits.some((e) => e.deleteFile)) return { reason: 'it deletes a test file' };
  const path = edits[0].path;
  return { path, edits: edits.filter((e) => e.path === path) };
}
