// "Hydrapatch: Select Model": the models this machine already has, offered in one list, and the choice
// written to the user's settings. Sources: GGUF files found by the bundled server's `models --json`
// (Ollama's store, download folders), OpenAI-compatible servers that answer /v1/models (Ollama at
// 127.0.0.1:11434, the configured endpoint), the demo model shipped with the extension (for the
// example repository only), and "Browse…". A source that fails is left out and said in the list.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LocalModel } from '../protocol/localModels';
import type { Log } from './log';
import { readSettings } from './settings';

export interface ModelChoice extends vscode.QuickPickItem {
  /** What the choice sets; absent for "Browse…" and for entries that only inform. */
  settings?: Record<string, string>;
  browse?: boolean;
}

const OLLAMA = 'http://127.0.0.1:11434/v1';
const PROBE_MS = 1500;

function isLocalModel(x: unknown): x is LocalModel {
  const m = x as Record<string, unknown>;
  return typeof m === 'object' && m !== null && typeof m.path === 'string' && typeof m.name === 'string' && typeof m.loadable === 'boolean';
}

/** The bundled server's list of GGUF files, run the way the server itself is started. */
export function findLocalModels(extensionPath: string, nodePath: string): Promise<LocalModel[]> {
  const node = nodePath || process.execPath;
  const env = nodePath ? process.env : { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  return new Promise((resolve, reject) => {
    execFile(node, [join(extensionPath, 'dist', 'server.js'), 'models', '--json'], { env, timeout: 20_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error((stderr || err.message).trim().split('\n').slice(-1)[0]));
      try {
        const parsed: unknown = JSON.parse(stdout);
        if (!Array.isArray(parsed)) throw new Error('not a list');
        resolve(parsed.filter(isLocalModel));
      } catch (e) {
        reject(new Error(`the model list is not the expected JSON (${(e as Error).message})`));
      }
    });
  });
}

/** Model ids of an OpenAI-compatible server, or an empty list when it does not answer in time. */
export async function serverModels(baseUrl: string): Promise<string[]> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/models`, { signal: AbortSignal.timeout(PROBE_MS) });
    if (!res.ok) return [];
    const body = (await res.json()) as { data?: { id?: unknown }[] };
    return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export async function modelChoices(extensionPath: string, log: Log): Promise<ModelChoice[]> {
  const settings = readSettings();
  const servers = [...new Set([OLLAMA, ...(/^https?:\/\//.test(settings.endpoint) ? [settings.endpoint.replace(/\/+$/, '')] : [])])];
  const [local, ...remote] = await Promise.allSettled([findLocalModels(extensionPath, settings.nodePath), ...servers.map(serverModels)]);
  const out: ModelChoice[] = [];

  out.push({ label: 'Models on this machine', kind: vscode.QuickPickItemKind.Separator });
  if (local.status === 'fulfilled') {
    for (const m of local.value) {
      out.push({
        label: `$(file-binary) ${m.name}`,
        description: [m.architecture, m.quantization, gib(m.sizeBytes), m.source === 'ollama' ? 'Ollama\'s store' : ''].filter(Boolean).join(' · '),
        detail: m.loadable ? m.path : `Cannot be loaded: ${m.reason}`,
        ...(m.loadable ? { settings: { backend: 'bundled', modelPath: m.path } } : {}),
      });
    }
    if (local.value.length === 0) out.push({ label: 'No GGUF file found in Ollama\'s store or the usual download folders.' });
  } else {
    log.warn(`listing the models on this machine failed: ${local.reason instanceof Error ? local.reason.message : String(local.reason)}`);
    out.push({ label: 'The models on this machine could not be listed', detail: 'This version\'s server cannot list them; use Browse… to pick a GGUF file.' });
  }
  out.push({ label: '$(folder-opened) Browse…', description: 'a GGUF or safetensors file', browse: true });

  out.push({ label: 'Running servers', kind: vscode.QuickPickItemKind.Separator });
  remote.forEach((r, i) => {
    const ids = r.status === 'fulfilled' ? r.value : [];
    const base = servers[i];
    const who = base === OLLAMA ? 'Ollama' : 'hydrapatch.endpoint';
    for (const id of ids) {
      out.push({ label: `$(server) ${id}`, description: `${who} · ${base}`, settings: { backend: 'openai-compatible', endpoint: base, endpointModel: id } });
    }
    if (ids.length === 0) out.push({ label: `No answer from ${who} at ${base}/models` });
  });

  const demo = join(extensionPath, 'models', 'demo-bigram.gguf');
  if (existsSync(demo)) {
    out.push({ label: 'To try Hydrapatch', kind: vscode.QuickPickItemKind.Separator });
    out.push({
      label: '$(beaker) Demo model',
      description: 'fixes only the example repository (examples/cart)',
      detail: 'A tiny built-in model that shows the whole flow on the example issue; it cannot fix your code.',
      settings: { backend: 'bundled', modelPath: demo, temperature: '1', topP: '1' },
    });
  }
  return out;
}

/** Writes a choice to the user's settings (numbers as numbers). */
async function applyChoice(settings: Record<string, string>): Promise<void> {
  const c = vscode.workspace.getConfiguration('hydrapatch');
  for (const [key, value] of Object.entries(settings)) {
    await c.update(key, /^\d+(\.\d+)?$/.test(value) ? Number(value) : value, vscode.ConfigurationTarget.Global);
  }
}

/** Shows the list; returns true when a model was chosen and written to the settings. */
export async function selectModel(extensionPath: string, log: Log): Promise<boolean> {
  const pick = vscode.window.createQuickPick<ModelChoice>();
  pick.title = 'Hydrapatch: choose the model that writes the candidate patches';
  pick.placeholder = 'Looking for models on this machine and running servers…';
  pick.busy = true;
  pick.matchOnDescription = true;
  pick.show();
  const items = await modelChoices(extensionPath, log);
  pick.items = items;
  // The first entry that sets something, not a line that only informs.
  const first = items.find((i) => i.settings || i.browse);
  if (first) pick.activeItems = [first];
  pick.busy = false;
  pick.placeholder = 'A local GGUF file runs in the bundled server; a running server (e.g. Ollama) is asked over its API.';
  const chosen = await new Promise<ModelChoice | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
  });
  pick.dispose();
  if (!chosen) return false;
  let settings = chosen.settings;
  if (chosen.browse) {
    const files = await vscode.window.showOpenDialog({ title: 'Hydrapatch: a model file', canSelectMany: false, filters: { Models: ['gguf', 'safetensors', 'json'] } });
    if (files?.[0]) settings = { backend: 'bundled', modelPath: files[0].fsPath };
  }
  if (!settings) return false;
  await applyChoice(settings);
  log.info(`model chosen: ${JSON.stringify(settings)}`);
  const what = settings.endpointModel ? `${settings.endpointModel} at ${settings.endpoint}` : settings.modelPath;
  void vscode.window.showInformationMessage(`Hydrapatch: samples now come from ${what}.`);
  return true;
}
