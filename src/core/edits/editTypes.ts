// What a sample asks to change, after parsing. Both accepted formats (search/replace blocks and
// unified diffs) become the same thing: replace these lines of this file by those lines. A diff hunk
// becomes a SEARCH (context + removed lines) and a REPLACE (context + added lines), so one matcher
// with one set of tolerances serves both formats.
import type { ErrorCode } from '../../protocol/errorCodes';

export type EditFormat = 'searchReplace' | 'unifiedDiff';

export interface FileEdit {
  /** Repository-relative path with '/' separators, as the model wrote it (checked before use). */
  path: string;
  /** Lines to find (without line endings). Empty: create the file (or fill an empty one). */
  search: string[];
  /** Lines to put in their place. */
  replace: string[];
  /** 1-based line where the hunk header says the search starts (unified diffs); picks among several matches. */
  lineHint?: number;
  /** The whole file goes away (unified diff to /dev/null). */
  deleteFile?: boolean;
  format: EditFormat;
}

export interface ParsedEdits {
  /** Which format was found; 'none' when the text holds no edit (prose, refusals, junk). */
  format: EditFormat | 'none';
  edits: FileEdit[];
  /** Things skipped while parsing (an unterminated block, a hunk without a file), for logs and the UI. */
  warnings: string[];
}

/**
 * How a candidate applied: exactly, or only with whitespace tolerance; or not at all, and then in the
 * three ways a user is told apart: it held no edit ('no-edits'), it was refused as unsafe (too large,
 * binary, a path out of the tree: 'refused'), or its edits did not match the files ('failed').
 */
export type ApplyStatus = 'clean' | 'fuzzy' | 'failed' | 'refused' | 'no-edits';

/** Why a candidate failed to apply: the code of the HydrapatchError that stopped it, or 'io'. */
export type ApplyFailure =
  | Extract<ErrorCode, 'no_edits' | 'too_large' | 'unsafe_path' | 'binary' | 'missing_file' | 'file_exists' | 'no_match'>
  | 'io';

export interface FileChange {
  path: string;
  /** null: the file did not exist before. */
  before: string | null;
  /** null: the file is deleted. */
  after: string | null;
}

export interface ApplyResult {
  status: ApplyStatus;
  /** Set when it did not apply: the code of what stopped it. */
  failure?: ApplyFailure;
  /** Says what failed (which file, which block) or, when fuzzy, what tolerance was needed. */
  reason?: string;
  /** The files as they end up (empty when failed: a candidate applies entirely or not at all). */
  changes: FileChange[];
  /** git-style unified diff of `changes` ('' when failed or when nothing changed). */
  diff: string;
}
