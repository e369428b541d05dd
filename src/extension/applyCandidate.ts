// Applies a candidate to the workspace as one WorkspaceEdit (one undo), after checking that every file
// it touches is still exactly what the run saw; otherwise it refuses and says which file changed.
import * as vscode from 'vscode';
import { HydrapatchError } from '../protocol/errors';
import { candidateChanges } from './candidateDocuments';
import type { RunState } from './runState';

async function currentText(uri: vscode.Uri): Promise<string | null> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return null;
  }
}

/** Returns the files it changed (workspace-relative paths). */
export async function applyCandidate(run: RunState, index: number): Promise<string[]> {
  const changes = candidateChanges(run, index);
  const root = vscode.Uri.file(run.repoRoot);
  const edit = new vscode.WorkspaceEdit();
  const touched: vscode.Uri[] = [];
  for (const f of changes) {
    const uri = vscode.Uri.joinPath(root, f.path);
    const now = await currentText(uri);
    if (now !== f.before) {
      throw new HydrapatchError('changed-since-run', `${f.path} changed since the run, so candidate #${index} was not applied.`, 'Undo your edits to that file, or run "Hydrapatch: Solve Issue with N Samples" again.');
    }
    if (f.before === null) edit.createFile(uri, { contents: new TextEncoder().encode(f.after ?? '') });
    else if (f.after === null) edit.deleteFile(uri);
    else {
      const doc = await vscode.workspace.openTextDocument(uri);
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), f.after);
      touched.push(uri);
    }
  }
  if (!(await vscode.workspace.applyEdit(edit))) {
    throw new HydrapatchError('apply-failed', `VS Code refused the edit of candidate #${index}.`, 'See "Hydrapatch: Show Log"; a file may be read-only.');
  }
  // Saved so the tests (and git) see the change; Undo still reverts it as one step.
  for (const uri of touched) await (await vscode.workspace.openTextDocument(uri)).save();
  run.applied.add(index);
  return changes.map((f) => f.path);
}
