// The review panel's host: one WebviewPanel, fed the run's state, answering the panel's actions. The
// webview keeps its own copy in getState/setState, so it is not retained while hidden.
import * as vscode from 'vscode';
import type { CandidateAction, ContextAction, RunAction, ToPanel } from '../protocol/webview';
import { parseFromPanel } from '../protocol/webviewSchemas';
import { panelHtml } from './panelHtml';
import { panelState } from './panelState';
import type { RunState } from './runState';

export type ActionHandler = (action: CandidateAction, runId: number, index: number, path?: string) => Promise<void>;
export type RunActionHandler = (action: RunAction) => Promise<void>;
export type ContextActionHandler = (action: ContextAction, path: string) => void;

export class ReviewPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private pending = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly currentRun: () => RunState | undefined,
    private readonly onAction: ActionHandler,
    private readonly onRunAction: RunActionHandler,
    private readonly onContextAction: ContextActionHandler,
  ) {}

  /** Where a diff opened from the panel goes: the other column, so the panel stays in view. */
  get besideColumn(): vscode.ViewColumn {
    return this.panel?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }

  show(): void {
    if (this.panel) {
      // Where it is: the user may have moved it, and a diff may be open beside it.
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel('hydrapatch.candidates', 'Hydrapatch Candidates', { viewColumn: vscode.ViewColumn.Two, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
    });
    panel.webview.html = panelHtml(panel.webview, this.extensionUri);
    panel.webview.onDidReceiveMessage(async (raw) => {
      const msg = parseFromPanel(raw);
      if (!msg) return;
      if (msg.type === 'ready') this.update();
      else if (msg.type === 'run') await this.onRunAction(msg.action);
      else if (msg.type === 'context') this.onContextAction(msg.action, msg.path);
      else await this.onAction(msg.action, msg.runId, msg.index, msg.path);
    });
    panel.onDidChangeViewState(() => panel.visible && this.update());
    panel.onDidDispose(() => (this.panel = undefined));
    this.panel = panel;
  }

  /** Coalesces the many events of a run into at most one message per 150 ms. */
  update(): void {
    if (!this.panel || this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      const run = this.currentRun();
      if (run) this.post({ type: 'state', state: panelState(run) });
    }, 150);
  }

  notice(text: string): void {
    this.post({ type: 'notice', text });
  }

  private post(msg: ToPanel): void {
    void this.panel?.webview.postMessage(msg);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
