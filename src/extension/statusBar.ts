// "Hydrapatch: Drawing samples · 37/64 sampled · 20 tested · 3 verified" while a run goes; clicking it
// opens the panel. The progress notification shows the same text after its "Hydrapatch" title (VS Code adds the colon).
import * as vscode from 'vscode';
import type { RunState } from './runState';
import { phaseWords } from '../protocol/webview';

export function statusText(run: RunState): string {
  const p = run.progress;
  const tail = run.testsSkippedReason ? 'tests not run' : `${p.tested} tested · ${p.passing} verified`;
  return `${phaseWords[run.phase] ?? run.phase} · ${p.sampled}/${p.total} sampled · ${tail}`;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('hydrapatch.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Hydrapatch';
    this.item.command = 'hydrapatch.showCandidates';
  }

  update(run: RunState): void {
    const icon = run.finished ? '$(beaker)' : '$(sync~spin)';
    this.item.text = `${icon} Hydrapatch: ${statusText(run)}`;
    this.item.tooltip = run.coverage?.line ?? 'Hydrapatch: click to show the candidates';
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
