// The command palette entries (category "Hydrapatch") and the panel's per-candidate actions.
import * as vscode from 'vscode';
import { HydrapatchError, errorSentences, formatError } from '../protocol/errors';
import { verdictWords, type CandidateAction } from '../protocol/webview';
import { ApplyConflict, applyCandidate } from './applyCandidate';
import type { CandidateDocuments } from './candidateDocuments';
import { showError } from './errorActions';
import { askIssueText, askSampleCount, issueFrom } from './issueInput';
import { selectModel } from './modelPicker';
import type { Log } from './log';
import type { ReviewPanel } from './reviewPanel';
import type { RunController } from './runController';
import type { RunHistory } from './runHistory';
import { fromStoredRun } from './storedRun';
import { readSettings } from './settings';

export const ENDPOINT_KEY = 'hydrapatch.endpointKey';

/** Arguments other extensions (and the tests) may pass to skip the prompts. */
export interface SolveArgs {
  issue?: string;
  n?: number;
}

export interface CommandDeps {
  context: vscode.ExtensionContext;
  controller: RunController;
  panel: ReviewPanel;
  documents: CandidateDocuments;
  log: Log;
  /** The workspace's stored runs; absent without a workspace storage folder. */
  history?: RunHistory;
  restartServer(): Promise<void>;
}

function report(log: Log, err: unknown): void {
  showError(log, HydrapatchError.from(err).toData());
}

/** The folder of the active editor, else the only folder, else the one the user picks (multi-root). */
async function workspaceFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const own = active && vscode.workspace.getWorkspaceFolder(active);
  if (own) return own;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new HydrapatchError('no_folder', 'No folder is open.', 'Open the repository folder the issue is about, then run the command again.');
  if (folders.length === 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Hydrapatch: which folder (repository) is the issue about?', ignoreFocusOut: true });
}

/** `path`: apply only that file of the candidate. */
export async function candidateAction(deps: CommandDeps, action: CandidateAction, runId: number, index: number, path?: string): Promise<void> {
  const run = deps.controller.current;
  if (!run || run.runId !== runId) {
    deps.panel.notice('That candidate belongs to an older run.');
    return;
  }
  if (action === 'openDiff') await deps.documents.openDiff(run, index, deps.panel.besideColumn);
  else if (action === 'apply') {
    try {
      const files = await applyCandidate(run, index, path === undefined ? undefined : [path]);
      deps.log.info(`applied ${run.label(index)} (sample ${index + 1}) to ${files.join(', ')}`);
      void vscode.window.showInformationMessage(`Hydrapatch: applied ${run.label(index)} to ${files.join(', ')} (Undo reverts it).`);
    } catch (err) {
      if (!(err instanceof ApplyConflict)) throw err;
      deps.log.warn(formatError(err.toData()));
      deps.panel.notice(err.message);
      void offerConflictActions(deps, err);
    }
  } else if (action === 'copyPatch') {
    await vscode.env.clipboard.writeText(run.candidates.get(index)?.diff ?? '');
    deps.panel.notice(`Patch of ${run.label(index)} copied.`);
  } else {
    const group = run.visibleGroups().find((g) => g.representative === index);
    for (const m of group?.members ?? [index]) run.discarded.add(m);
  }
  deps.controller.refresh();
}

/** A refused apply: the user picks between looking at what changed and solving again on the current files. */
async function offerConflictActions(deps: CommandDeps, conflict: ApplyConflict): Promise<void> {
  const run = deps.controller.current;
  const compare = 'Compare Versions';
  const again = 'Solve Again';
  const pick = await vscode.window.showWarningMessage(`Hydrapatch: ${errorSentences(conflict)}`, compare, again);
  if (!run) return;
  if (pick === compare) for (const path of conflict.paths) await deps.documents.openConflict(run, conflict.index, path);
  else if (pick === again) await deps.controller.restart();
}

/**
 * Makes a stored run the current one: `which` is a run id, 'pick' (a QuickPick of the history), or
 * absent for the newest. Returns whether one was opened.
 */
async function openStoredRun(deps: CommandDeps, which?: string): Promise<boolean> {
  const { history, controller, log } = deps;
  if (!history) {
    if (which) void vscode.window.showInformationMessage('Hydrapatch: the run history needs a folder open.');
    return false;
  }
  const { entries, problem } = await history.list();
  if (problem) {
    log.warn(problem);
    void vscode.window.showWarningMessage(`Hydrapatch: ${problem}`);
  }
  if (entries.length === 0) {
    if (which) void vscode.window.showInformationMessage('Hydrapatch: no run is stored for this workspace yet. Finished runs are kept here (the last 20).');
    return false;
  }
  let id = which === undefined ? entries[0].id : which;
  if (which === 'pick') {
    const pick = await vscode.window.showQuickPick(
      entries.map((e) => ({
        label: e.title,
        // All in the detail line: the description is cut off after a long title.
        detail: `${new Date(e.savedAt).toLocaleString()} · ${e.samples} samples · ${e.verified} verified · ${e.candidates} candidate${e.candidates === 1 ? '' : 's'}${e.phase === 'cancelled' ? ' · cancelled' : ''}`,
        id: e.id,
      })),
      { title: 'Hydrapatch: Run History (this workspace, newest first)', placeHolder: "Reopen a run's candidates (Apply checks that your files are unchanged since)", matchOnDetail: true },
    );
    if (!pick) return false;
    id = pick.id;
  }
  controller.open(fromStoredRun(await history.load(id), controller.newRunId()));
  log.info(`reopened stored run ${id}`);
  return true;
}

async function pickCandidate(deps: CommandDeps): Promise<number | undefined> {
  const run = deps.controller.current;
  const groups = run?.visibleGroups().filter((g) => !run.isDiscarded(g)) ?? [];
  if (groups.length === 0) throw new HydrapatchError('no_candidates', 'There are no candidates to apply.', 'Run "Hydrapatch: Solve Issue with N Samples" first.');
  const pick = await vscode.window.showQuickPick(
    groups.map((g) => ({ label: `Candidate ${g.rank}: ${verdictWords[g.verdict]?.label ?? g.verdict}`, description: `${g.members.length} samples · ${g.changedLines} lines`, detail: g.diff.split('\n').slice(0, 1).join(''), index: g.representative })),
    { title: 'Hydrapatch: apply which candidate?' },
  );
  return pick?.index;
}

export function registerCommands(deps: CommandDeps): void {
  const { context, controller, panel, log } = deps;
  const guard = (fn: (...args: never[]) => Promise<unknown>) => async (...args: never[]) => {
    try {
      await fn(...args);
    } catch (err) {
      report(log, err);
    }
  };
  const register = (id: string, fn: (...args: never[]) => Promise<unknown>) => context.subscriptions.push(vscode.commands.registerCommand(id, guard(fn)));

  register('hydrapatch.solve', async (args?: SolveArgs) => {
    const folder = await workspaceFolder();
    if (!folder) return;
    // No model yet: the picker comes first, before any question about the issue or any panel.
    const settings = readSettings(folder.uri);
    if (settings.backend === 'bundled' && !settings.modelPath && !(await selectModel(context.extensionPath, log))) {
      void vscode.window.showInformationMessage('Hydrapatch: no model chosen, so nothing was solved. "Hydrapatch: Select Model" chooses one.');
      return;
    }
    const issue = args?.issue ? await issueFrom(args.issue) : await askIssueText();
    if (!issue) return;
    const n = args?.n ?? (await askSampleCount(readSettings(folder.uri).samples));
    if (!n) return;
    // Not awaited: the command returns once the run started; progress shows the rest.
    controller.start({ folder, issueText: issue, n }).catch((err) => report(log, err));
  });
  register('hydrapatch.cancel', async () => {
    if (!controller.cancel()) void vscode.window.showInformationMessage('Hydrapatch: no run in progress.');
    await controller.idle();
  });
  register('hydrapatch.showCandidates', async () => {
    // After a reload the window has no run: the last stored one is reopened.
    if (!controller.current && !(await openStoredRun(deps))) void vscode.window.showInformationMessage('Hydrapatch: no run yet. Run "Hydrapatch: Solve Issue with N Samples".');
    else panel.show();
  });
  register('hydrapatch.drawMore', async (n?: number) => {
    const offered = controller.current?.moreCount;
    // A run that cannot take more: drawMore says why before anything is asked.
    if (offered === undefined) return controller.drawMore(typeof n === 'number' ? n : 1);
    const count = typeof n === 'number' ? n : await askSampleCount(offered, 'Hydrapatch: how many more samples?');
    // Not awaited, as a solve: progress shows the round.
    if (count) controller.drawMore(count).catch((err) => report(log, err));
  });
  register('hydrapatch.showHistory', async (id?: string) => {
    if (await openStoredRun(deps, typeof id === 'string' ? id : 'pick')) panel.show();
  });
  register('hydrapatch.applyCandidate', async (index?: number, path?: string) => {
    const run = controller.current;
    const i = typeof index === 'number' ? index : await pickCandidate(deps);
    if (run && i !== undefined) await candidateAction(deps, 'apply', run.runId, i, typeof path === 'string' ? path : undefined);
  });
  register('hydrapatch.selectModel', () => selectModel(context.extensionPath, log));
  register('hydrapatch.restartServer', () => deps.restartServer());
  register('hydrapatch.showLog', async () => log.show());
  register('hydrapatch.setEndpointKey', async () => {
    const key = await vscode.window.showInputBox({ title: 'Hydrapatch: API key of the OpenAI-compatible endpoint', password: true, ignoreFocusOut: true, prompt: 'Stored in VS Code\'s secret storage. Empty removes it.' });
    if (key === undefined) return;
    if (key) await context.secrets.store(ENDPOINT_KEY, key);
    else await context.secrets.delete(ENDPOINT_KEY);
  });
}
