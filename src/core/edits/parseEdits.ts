// The one entry point for turning a raw sample into edits. Size and binary checks come first, so a
// hostile 50 MB "patch" is refused after one length comparison, before any splitting or scanning.
import { HydrapatchError } from '../../protocol/errors';
import type { ParsedEdits } from './editTypes';
import { parseSearchReplace } from './parseSearchReplace';
import { parseUnifiedDiff } from './parseUnifiedDiff';

/** Samples longer than this are refused: no real fix needs a megabyte of edits. */
export const defaultMaxPatchChars = 1_000_000;

export interface ParseOptions {
  maxChars?: number;
}

/**
 * Parse a model's output into edits: search/replace blocks when it has any, else a unified diff.
 * Throws HydrapatchError 'too-large' (over `maxChars`) or 'binary' (a NUL character).
 */
export function parseEdits(text: string, options: ParseOptions = {}): ParsedEdits {
  const maxChars = options.maxChars ?? defaultMaxPatchChars;
  if (text.length > maxChars) {
    throw new HydrapatchError(
      'too-large',
      `the sample is ${text.length} characters long, over the limit of ${maxChars}`,
      'raise the patch size limit if real fixes are this large',
    );
  }
  if (text.includes('\0')) {
    throw new HydrapatchError('binary', 'the sample contains a NUL character (binary content)', 'edits must be text');
  }
  const normalized = text.replace(/\r\n?/g, '\n');
  const sr = parseSearchReplace(normalized);
  if (sr.edits.length > 0) return { format: 'searchReplace', edits: sr.edits, warnings: sr.warnings };
  const ud = parseUnifiedDiff(normalized);
  if (ud.edits.length > 0) return { format: 'unifiedDiff', edits: ud.edits, warnings: [...sr.warnings, ...ud.warnings] };
  return { format: 'none', edits: [], warnings: [...sr.warnings, ...ud.warnings] };
}
