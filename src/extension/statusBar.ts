// "Hydrapatch 37/64 sampled · 20 tested · 3 pass" while a run goes; clicking it opens the panel.
import * as vscode from 'vscode';
import type { RunState } from './runState';

export function statusText(run: RunState): string {
  const p = run.progress;
  const tail = run.testsSkippedReason ? 'tests not run' : `${p.tested} tested · ${p.passing} pass`;
  const head = run.phase === 'cancelled' ? 'cancelled' : run.phase === 'failed' ? 'failed' : `${p.sampled}/${p.total} sampled`;
  return `Hydrapatch ${head} · ${tail}`;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('hydrapatch.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Hydrapatch';
    this.item.command = 'hydrapatch.showCandidates';
  }

  update(run: RunState): void {
    const icon = run.finished ? '$(beaker)' : '$(sync~spin)';
    this.item.text = `${icon} ${statusText(run)}`;
    this.item.tooltip = run.coverage?.line ?? 'Hydrapatch: click to show the candidates';
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
