// Applies a candidate to the workspace as one WorkspaceEdit (one undo), after checking that every file
// it touches is still exactly the version the candidate was tested on (the run's snapshot). A file the
// user changed since is a conflict: applying over it would combine two edits no test has seen, so
// nothing is applied and the caller offers what to do.
import * as vscode from 'vscode';
import { HydrapatchError } from '../protocol/errors';
import type { RunState } from './runState';

/** The files a candidate touches that differ from the version it was tested on. */
export class ApplyConflict extends HydrapatchError {
  constructor(readonly index: number, readonly paths: string[], label: string) {
    super(
      'changed_since_run',
      `${paths.join(', ')} changed since the run started, so ${label} was not applied: it was tested on the version before your change.`,
      'Compare the two versions, then undo your change and apply, or solve again on the current files.',
    );
  }
}

async function currentText(uri: vscode.Uri): Promise<string | null> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return null;
  }
}

/**
 * Applies the candidate's files, or only `only` of them (one file of a multi-file candidate). Returns
 * the files it changed (workspace-relative paths); throws ApplyConflict when one changed since the run.
 */
export async function applyCandidate(run: RunState, index: number, only?: string[]): Promise<string[]> {
  const all = run.filesOf(index);
  const changes = only ? all.filter((f) => only.includes(f.path)) : all;
  if (changes.length === 0) throw new HydrapatchError('no_such_file', `${run.label(index)} does not change ${only?.join(', ')}.`, 'Pick one of the files the panel lists for it.');
  const root = vscode.Uri.file(run.repoRoot);
  const uris = changes.map((f) => vscode.Uri.joinPath(root, f.path));
  const changed: string[] = [];
  for (const [i, f] of changes.entries()) if ((await currentText(uris[i])) !== f.before) changed.push(f.path);
  if (changed.length > 0) throw new ApplyConflict(index, changed, run.label(index));
  const edit = new vscode.WorkspaceEdit();
  const touched: vscode.Uri[] = [];
  for (const [i, f] of changes.entries()) {
    const uri = uris[i];
    if (f.before === null) edit.createFile(uri, { contents: new TextEncoder().encode(f.after ?? '') });
    else if (f.after === null) edit.deleteFile(uri);
    else {
      const doc = await vscode.workspace.openTextDocument(uri);
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), f.after);
      touched.push(uri);
    }
  }
  if (!(await vscode.workspace.applyEdit(edit))) {
    throw new HydrapatchError('apply_failed', `VS Code refused the edit of ${run.label(index)}.`, 'See "Hydrapatch: Show Log"; a file may be read-only.');
  }
  // Saved so the tests (and git) see the change; Undo still reverts it as one step.
  for (const uri of touched) await (await vscode.workspace.openTextDocument(uri)).save();
  // Applied as a whole once every one of its files is the candidate's version.
  if (changes.length === all.length || (await Promise.all(all.map(async (f) => (await currentText(vscode.Uri.joinPath(root, f.path))) === f.after))).every(Boolean)) run.applied.add(index);
  return changes.map((f) => f.path);
}
