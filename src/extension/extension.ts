// Activation: wires the pieces (log, server, run controller, status bar, panel, diff documents,
// commands) and hands back a small read-only API that the tests inside the extension host use.
import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { solve } from '../core/pipeline/solve';
import { HydrapatchError } from '../protocol/errors';
import { showError } from './errorActions';
import { forEditor } from './words';
import type { PanelState } from '../protocol/webview';
import { CandidateDocuments, SCHEME } from './candidateDocuments';
import { candidateAction, registerCommands, type CommandDeps } from './commands';
import { pinAnotherFile } from './pinFilePicker';
import { createLog } from './log';
import { panelState } from './panelState';
import { ReviewPanel } from './reviewPanel';
import type { RunState } from './runState';
import { RunController } from './runController';
import { createSampleSource } from './sampleSources';
import { ServerManager } from './serverManager';
import { StatusBar } from './statusBar';
import { RunHistory } from './runHistory';
import { toStoredRun } from './storedRun';

export interface HydrapatchApi {
  /** What the panel shows for the current run, or undefined before the first run. */
  state(): PanelState | undefined;
  busy(): boolean;
  /** Resolves when no run is in progress. */
  idle(): Promise<void>;
  /** The bundled server's process id while it runs. */
  serverPid(): number | undefined;
}

let server: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): HydrapatchApi {
  const log = createLog(context);
  server = new ServerManager(context.extensionPath, log);
  const statusBar = new StatusBar();
  context.subscriptions.push(server, statusBar);

  // The closures below run after activation, when every const here is set.
  const current = () => controller.current;
  const documents = new CandidateDocuments(current);
  const failed = (err: unknown) => {
    const e = HydrapatchError.from(err).toData();
    panel.notice(forEditor(e).message);
    showError(log, e);
  };
  const panel = new ReviewPanel(
    context.extensionUri,
    current,
    (action, runId, index, path) => candidateAction(deps, action, runId, index, path).catch(failed),
    async (action) => {
      if (action === 'cancel') controller.cancel();
      else if (action === 'drawMore') {
        try {
          controller.drawMore(controller.current?.moreCount ?? 1).catch(failed);
        } catch (err) {
          failed(err);
        }
      } else if (action === 'openSettings') await vscode.commands.executeCommand('workbench.action.openSettings', 'hydrapatch');
      else if (action === 'rerunWithContext') await controller.restart(controller.current?.contextChoice.next).catch(failed);
      else if (action === 'pinFile') await pinAnotherFile(controller).catch(failed);
      else await controller.restart().catch(failed);
    },
    (action, path) => {
      const run = controller.current;
      if (run?.contextChoice.fromPanel(action, path, run.context)) controller.refresh();
    },
  );
  context.subscriptions.push(panel, vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents));

  const manager = server;
  // Per workspace; none without a folder open (there is nothing to solve then either).
  const history = context.storageUri ? new RunHistory(vscode.Uri.joinPath(context.storageUri, 'runs').fsPath) : undefined;
  const store = async (run: RunState) => {
    await history?.save(toStoredRun(run)).catch((err: unknown) => log.warn(`the run could not be stored in the history: ${(err as Error).message}`));
  };
  const controller = new RunController(context, solve, (settings) => createSampleSource(settings, manager, context.secrets), log, statusBar, panel, store);
  const deps: CommandDeps = { context, controller, panel, documents, log, history, restartServer: () => manager.restart() };
  registerCommands(deps);
  // After Undo (or any edit) of an applied candidate's file, the panel stops calling it applied.
  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument((e) => {
    const run = controller.current;
    if (!run || run.applied.size === 0 || e.document.uri.scheme !== 'file') return;
    const path = relative(run.repoRoot, e.document.uri.fsPath).split(sep).join('/');
    if (run.fileChanged(path, e.document.getText())) controller.refresh();
  }));
  log.info(`activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: tests are never run'})`);

  return {
    state: () => (controller.current ? panelState(controller.current) : undefined),
    busy: () => controller.busy,
    idle: () => controller.idle(),
    serverPid: () => manager.pid,
  };
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
