// Where the issue text comes from: the editor's selection, else the active Markdown file, else typed.
import * as vscode from 'vscode';

export async function askIssueText(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor) {
    const selected = editor.document.getText(editor.selection).trim();
    if (selected) return selected;
    if (editor.document.languageId === 'markdown') {
      const text = editor.document.getText().trim();
      if (text) return text;
    }
  }
  const typed = await vscode.window.showInputBox({
    title: 'Hydrapatch: the issue to solve',
    prompt: 'Describe the bug (or select its text / open its Markdown file before running the command).',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'The issue text is empty.'),
  });
  return typed?.trim() || undefined;
}

export async function askSampleCount(defaultN: number): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'Hydrapatch: how many samples?',
    value: String(defaultN),
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 1024 ? undefined : 'A whole number from 1 to 1024.'),
  });
  return answer === undefined ? undefined : Number(answer.trim());
}
