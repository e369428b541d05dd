// Where the issue text comes from: the editor's selection, else the active Markdown file, else asked:
// typed, a GitHub issue URL (read through the user's gh), or left empty to write it in a new Markdown
// editor (the next Solve reads that editor).
import * as vscode from 'vscode';
import { isGithubIssueUrl, readGithubIssue } from './githubIssue';

const DRAFT_NOTE = '<!-- Describe the issue here (several lines are fine), then run "Hydrapatch: Solve Issue with N Samples" with this editor active. -->';

/** The text of an issue given as text or as a GitHub issue URL. */
export async function issueFrom(input: string): Promise<string> {
  return isGithubIssueUrl(input) ? readGithubIssue(input) : input.trim();
}

function markdownText(doc: vscode.TextDocument): string {
  return doc.getText().replace(/<!--[\s\S]*?-->/g, '').trim();
}

export async function askIssueText(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor) {
    const selected = editor.document.getText(editor.selection).trim();
    if (selected) return issueFrom(selected);
    if (editor.document.languageId === 'markdown') {
      const text = markdownText(editor.document);
      if (text) return text;
    }
  }
  const typed = await vscode.window.showInputBox({
    title: 'Hydrapatch: the issue to solve',
    prompt: 'Describe the bug, or paste a GitHub issue URL. Leave it empty and press Enter to write a longer description in an editor.',
    ignoreFocusOut: true,
  });
  if (typed === undefined) return undefined;
  if (typed.trim()) return issueFrom(typed);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `${DRAFT_NOTE}\n\n` });
  const draft = await vscode.window.showTextDocument(doc);
  draft.selection = new vscode.Selection(doc.lineCount - 1, 0, doc.lineCount - 1, 0);
  void vscode.window.showInformationMessage('Hydrapatch: write the issue in this editor, then run "Solve Issue with N Samples" again.');
  return undefined;
}
export async function askSampleCount(defaultN: number, title = 'Hydrapatch: how many samples?'): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title,
    value: String(defaultN),
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 1024 ? undefined : 'A whole number from 1 to 1024.'),
  });
  return answer === undefined ? undefined : Number(answer.trim());
}
