// Virtual documents for VS Code's own diff editor: hydrapatch:/<path>?run=<id>&candidate=<i>&side=<before|after>.
// Both sides of a file share its path (the multi-file diff editor reads two paths as a rename) and
// differ in the query. Nothing is written to disk; the content is the pipeline's record of each file
// in the snapshot the candidate was tested on (before) and after the candidate.
import * as vscode from 'vscode';
import type { RunState } from './runState';

export const SCHEME = 'hydrapatch';

type Side = 'before' | 'after';

export function uriFor(run: RunState, index: number, side: Side, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${path}`, query: new URLSearchParams({ run: String(run.runId), candidate: String(index), side }).toString() });
}

/** The editor group commands that focus the group of a view column (the diff goes beside the panel: One or Two). */
const FOCUS_GROUP: Partial<Record<vscode.ViewColumn, string>> = {
  [vscode.ViewColumn.One]: 'workbench.action.focusFirstEditorGroup',
  [vscode.ViewColumn.Two]: 'workbench.action.focusSecondEditorGroup',
  [vscode.ViewColumn.Three]: 'workbench.action.focusThirdEditorGroup',
};

export class CandidateDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly currentRun: () => RunState | undefined) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const q = new URLSearchParams(uri.query);
    const run = this.currentRun();
    if (!run || String(run.runId) !== q.get('run')) return '';
    const path = uri.path.replace(/^\//, '');
    const change = run.filesOf(Number(q.get('candidate'))).find((f) => f.path === path);
    return (q.get('side') === 'before' ? change?.before : change?.after) ?? '';
  }

  /** The version a candidate was tested on beside the user's file as it is now: what changed since. */
  async openConflict(run: RunState, index: number, path: string): Promise<void> {
    const live = vscode.Uri.joinPath(vscode.Uri.file(run.repoRoot), path);
    await vscode.commands.executeCommand('vscode.diff', uriFor(run, index, 'before', path), live, `${path}: tested version ↔ yours`, { preview: true });
  }

  /**
   * Opens the candidate in the diff editor beside the panel: one file with the focus kept where it is,
   * several in the multi-file diff editor (which always takes the focus).
   */
  async openDiff(run: RunState, index: number, viewColumn: vscode.ViewColumn): Promise<void> {
    const changes = run.filesOf(index);
    const options = { preserveFocus: true, preview: true, viewColumn };
    if (changes.length === 1) {
      const f = changes[0];
      await vscode.commands.executeCommand('vscode.diff', uriFor(run, index, 'before', f.path), uriFor(run, index, 'after', f.path), `Hydrapatch ${run.label(index)}: ${f.path}`, options);
      return;
    }
    // A created file has no before side, a deleted one no after side (shown as added / deleted).
    const resources = changes.map((f) => [
      vscode.Uri.joinPath(vscode.Uri.file(run.repoRoot), f.path),
      f.before === null ? undefined : uriFor(run, index, 'before', f.path),
      f.after === null ? undefined : uriFor(run, index, 'after', f.path),
    ]);
    // vscode.changes takes no view column and opens in the active group, which is the panel's after a
    // click in it: focus the column beside the panel first, so that the panel stays in view.
    const focus = FOCUS_GROUP[viewColumn];
    if (focus) await vscode.commands.executeCommand(focus);
    // The editor adds the count itself: "Hydrapatch candidate 3 (2 files)".
    await vscode.commands.executeCommand('vscode.changes', `Hydrapatch ${run.label(index)}`, resources);
  }
}
