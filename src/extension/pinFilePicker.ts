// "Pin Another File…" in the panel's context list: any file context may come from (the same listing the
// context is gathered from), picked by name, pinned for the next run of the current run's issue.
import * as vscode from 'vscode';
import { listRepoPaths } from '../core/context/listFiles';
import type { RunController } from './runController';

export async function pinAnotherFile(controller: RunController): Promise<void> {
  const run = controller.current;
  if (!run) return;
  const pinned = new Set(run.contextChoice.next.pinned);
  const paths = (await listRepoPaths(run.repoRoot)).filter((p) => !pinned.has(p));
  const pick = await vscode.window.showQuickPick(paths, {
    title: 'Hydrapatch: pin which file into the context of the next run?',
    placeHolder: 'A pinned file is sent first, whatever its rank; "Re-run with this context" starts the run',
    ignoreFocusOut: true,
  });
  if (pick && run.contextChoice.set('pin', pick)) controller.refresh();
}
