// An error told to the user with the actions that fix it: the model's and the server's errors offer
// "Select Model" and "Open Settings", the tests' errors "Open Settings"; all offer "Show Log". Hints
// written for the CLI are said for the editor first (words.ts).
import * as vscode from 'vscode';
import type { ErrorCode } from '../protocol/errorCodes';
import { errorSentences, formatError, type ErrorData } from '../protocol/errors';
import type { Log } from './log';
import { forEditor } from './words';

const MODEL = /model|endpoint|server|^http_|request_failed|bad_response|incomplete_response|stream_failed/;
const SETTINGS = /^baseline_|test_command|^sandbox_|^not_a_repo$/;

export function errorActions(code: ErrorCode): string[] {
  if (MODEL.test(code)) return ['Select Model', 'Open Settings', 'Show Log'];
  if (SETTINGS.test(code)) return ['Open Settings', 'Show Log'];
  return ['Show Log'];
}

export function showError(log: Log, error: ErrorData): void {
  const e = forEditor(error);
  log.error(formatError(error));
  void vscode.window.showErrorMessage(`Hydrapatch: ${errorSentences(e)}`, ...errorActions(e.code)).then((a) => {
    if (a === 'Select Model') void vscode.commands.executeCommand('hydrapatch.selectModel');
    else if (a === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'hydrapatch');
    else if (a === 'Show Log') log.show();
  });
}
