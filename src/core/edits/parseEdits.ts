// The one entry point for turning a raw sample into edits. Size and binary checks come first, so a
// hostile 50 MB "patch" is refused after one length comparison, before any splitting or scanning.
import { HydrapatchError } from '../../protocol/errors';
import type { FileEdit, ParsedEdits } from './editTypes';
import { parseSearchReplace } from './parseSearchReplace';
import { parseUnifiedDiff } from './parseUnifiedDiff';

/** Samples longer than this are refused: no real fix needs a megabyte of edits. */
export const defaultMaxPatchChars = 1_000_000;

export interface ParseOptions {
  maxChars?: number;
}

/**
 * Parse a model's output into edits: search/replace blocks when it has any, else a unified diff.
 * Throws HydrapatchError 'too_large' (over `maxChars`) or 'binary' (a NUL character).
 */
export function parseEdits(text: string, options: ParseOptions = {}): ParsedEdits {
  const maxChars = options.maxChars ?? defaultMaxPatchChars;
  if (text.length > maxChars) {
    throw new HydrapatchError(
      'too_large',
      `the sample is ${text.length} characters long, over the limit of ${maxChars}`,
      'raise the patch size limit if real fixes are this large',
    );
  }
  if (text.includes('\0')) {
    throw new HydrapatchError('binary', 'the sample contains a NUL character (binary content)', 'edits must be text');
  }
  const normalized = text.replace(/\r\n?/g, '\n');
  const sr = parseSearchReplace(normalized);
  if (sr.edits.length > 0) return { format: 'searchReplace', ...withoutRepeats(sr.edits, sr.warnings) };
  const ud = parseUnifiedDiff(normalized);
  if (ud.edits.length > 0) return { format: 'unifiedDiff', ...withoutRepeats(ud.edits, [...sr.warnings, ...ud.warnings]) };
  return { format: 'none', edits: [], warnings: [...sr.warnings, ...ud.warnings] };
}

/**
 * Models often restate their edits ("so the final change is: …"); applying a block twice would fail
 * (its SEARCH is gone after the first), so exact repeats of an earlier edit are dropped.
 */
function withoutRepeats(edits: FileEdit[], warnings: string[]): { edits: FileEdit[]; warnings: string[] } {
  const seen = new Set<string>();
  const out: FileEdit[] = [];
  for (const e of edits) {
    const key = JSON.stringify([e.path, e.search, e.replace, e.deleteFile ?? false]);
    if (seen.has(key)) {
      warnings.push(`a repeated edit of ${e.path} was applied once`);
      continue;
    }
    seen.add(key);
    out.push(e);
  }
  return { edits: out, warnings };
}
