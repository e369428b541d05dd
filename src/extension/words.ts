// Hints written for the CLI (its flags) said as what to do in the editor. The rest of the vocabulary
// (phases, verdicts) is in src/protocol/webview.ts, shared with the panel. No `vscode` here.
import type { ErrorCode } from '../protocol/errorCodes';
import type { ErrorData } from '../protocol/errors';

/**
 * Hints that name a CLI flag, said for the editor instead. Keyed by error code; a hint not listed
 * passes unchanged unless it still names a flag, in which case only the message is kept.
 */
const editorHints: Partial<Record<ErrorCode, string>> = {
  baseline_failed: 'Raise hydrapatch.testTimeoutSeconds, or set hydrapatch.testCommand to a narrower command that runs only the relevant tests.',
  baseline_passes: 'Add a test that reproduces the issue, or set hydrapatch.testCommand to a command that runs such a test; then solve again.',
  no_test_command: 'Set hydrapatch.testCommand, e.g. "npm test" or "python3 -m pytest".',
  not_a_repo: 'Open a folder that is a git repository (git init and commit once).',
  sandbox_consent_refused: 'Install bubblewrap (Linux), or allow running tests unsandboxed when asked; hydrapatch.sandbox sets the policy.',
  sandbox_unavailable: 'Install bubblewrap (Linux), or set hydrapatch.sandbox to "auto" to be asked before running tests unsandboxed.',
};

const CLI_FLAG = /(^|[\s("'])--[a-z][a-z-]+/;

const CLI_ASIDE = /\s*\(the CLI: [^)]*\)/g;

export function forEditor(e: ErrorData): ErrorData {
  const hint = (editorHints[e.code] ?? e.hint)?.replace(CLI_ASIDE, '');
  const message = e.message.replace(CLI_ASIDE, '');
  if (hint === undefined || CLI_FLAG.test(hint)) return { code: e.code, message };
  return { code: e.code, message, hint };
}
