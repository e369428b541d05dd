// Virtual documents for VS Code's own diff editor: hydrapatch:/<run>/<candidate>/<before|after>/<path>.
// Nothing is written to disk; the content comes from the run's base files and the candidate's diff.
import * as vscode from 'vscode';
import { HydrapatchError } from '../protocol/errors';
import { fileChanges, type FileChange } from './candidateFiles';
import type { RunState } from './runState';

export const SCHEME = 'hydrapatch';

export function candidateChanges(run: RunState, index: number): FileChange[] {
  const c = run.candidates.get(index);
  if (!c || !c.diff) throw new HydrapatchError('no-candidate', `Candidate #${index} has no patch in the current run.`, 'Pick a candidate from "Hydrapatch: Show Candidates".');
  return fileChanges(c.diff, (p) => run.base.get(p) ?? null);
}

function uriFor(run: RunState, index: number, side: 'before' | 'after', path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${run.runId}/${index}/${side}/${path}` });
}

export class CandidateDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly currentRun: () => RunState | undefined) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [, runId, index, side, ...rest] = uri.path.split('/');
    const run = this.currentRun();
    if (!run || String(run.runId) !== runId) return '';
    const path = rest.join('/');
    const change = candidateChanges(run, Number(index)).find((f) => f.path === path);
    return (side === 'before' ? change?.before : change?.after) ?? '';
  }

  /** Opens the candidate in the diff editor beside the panel, keeping focus where it is. */
  async openDiff(run: RunState, index: number, viewColumn: vscode.ViewColumn): Promise<void> {
    const changes = candidateChanges(run, index);
    const options = { preserveFocus: true, preview: true, viewColumn };
    if (changes.length === 1) {
      const f = changes[0];
      await vscode.commands.executeCommand('vscode.diff', uriFor(run, index, 'before', f.path), uriFor(run, index, 'after', f.path), `Hydrapatch #${index}: ${f.path}`, options);
      return;
    }
    const resources = changes.map((f) => [vscode.Uri.joinPath(vscode.Uri.file(run.repoRoot), f.path), uriFor(run, index, 'before', f.path), uriFor(run, index, 'after', f.path)]);
    await vscode.commands.executeCommand('vscode.changes', `Hydrapatch #${index} (${changes.length} files)`, resources);
  }
}
