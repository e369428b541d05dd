// The GGUF files a user already has: models pulled with Ollama (its manifests name the model blob)
// and .gguf files in the usual download folders. Each is judged by the loader's own header checks
// (checkGgufHeader, checkRunnable), so "loadable" here means what loading would say.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { LocalModel } from '../../../src/protocol/localModels';
import { HydrapatchError } from '../../../src/protocol/errors';
import { readGguf, type GgufFile } from './gguf';
import { checkGgufHeader } from './ggufModel';
import { ggmlTypeName } from './ggmlTypes';
import { checkRunnable } from './modelTensors';

const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';
const DEFAULT_REGISTRY = 'registry.ollama.ai';
/** Folders below a download folder searched for .gguf files (Hugging Face's cache nests 5 deep). */
const MAX_DEPTH = 6;

/** llama.cpp's `general.file_type` values (enum llama_ftype). */
const fileTypes: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S',
  29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE',
};

export interface ModelSearch {
  home?: string;
  /** Ollama's models folder ($OLLAMA_MODELS, else ~/.ollama/models). */
  ollamaDir?: string;
  /** Folders searched besides the usual ones. */
  extraDirs?: string[];
  /** Told about a manifest or folder that could not be read (the listing goes on). */
  onWarning?(message: string): void;
}

/** The usual download folders, under `home`. */
export function downloadFolders(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    join(home, 'models'),
    join(home, 'Downloads'),
    env.HF_HUB_CACHE ?? join(env.HF_HOME ?? join(home, '.cache', 'huggingface'), 'hub'),
    join(home, '.lmstudio', 'models'),
    join(home, '.cache', 'lm-studio', 'models'),
    env.LLAMA_CACHE ?? join(home, '.cache', 'llama.cpp'),
    join(home, 'Library', 'Caches', 'llama.cpp'),
  ];
  return [...new Set(dirs)];
}

export function findLocalModels(search: ModelSearch = {}): LocalModel[] {
  const home = search.home ?? homedir();
  const warn = search.onWarning ?? (() => {});
  const ollamaDir = search.ollamaDir ?? process.env.OLLAMA_MODELS ?? join(home, '.ollama', 'models');
  const seen = new Set<string>();
  const out: LocalModel[] = [];
  const add = (path: string, name: string, source: LocalModel['source']) => {
    let real: string;
    try {
      real = realpathSync(path);
    } catch (err) {
      warn(`${name}: ${path} cannot be read (${(err as Error).message}); skipped`);
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    out.push(inspectGguf(path, name, source));
  };
  for (const { blob, name } of ollamaModels(ollamaDir, warn)) add(blob, name, 'ollama');
  for (const dir of [...downloadFolders(home), ...(search.extraDirs ?? [])]) {
    for (const file of ggufFiles(dir, MAX_DEPTH, warn, search.extraDirs?.includes(dir) ?? false)) add(file, basename(file), 'folder');
  }
  return out;
}

/** Each model of Ollama's store: manifests/<registry>/<namespace>/<model>/<tag> → blobs/sha256-<hex>. */
function ollamaModels(dir: string, warn: (m: string) => void): { blob: string; name: string }[] {
  const manifests = join(dir, 'manifests');
  const out: { blob: string; name: string }[] = [];
  for (const registry of subdirs(manifests)) {
    for (const ns of subdirs(join(manifests, registry))) {
      for (const model of subdirs(join(manifests, registry, ns))) {
        for (const tag of files(join(manifests, registry, ns, model))) {
          const path = join(manifests, registry, ns, model, tag);
          const digest = modelDigest(path, warn);
          if (!digest) continue;
          const prefix = registry === DEFAULT_REGISTRY ? (ns === 'library' ? '' : `${ns}/`) : `${registry}/${ns}/`;
          out.push({ blob: join(dir, 'blobs', digest.replace(':', '-')), name: `${prefix}${model}:${tag}` });
        }
      }
    }
  }
  return out;
}

function modelDigest(manifest: string, warn: (m: string) => void): string | undefined {
  try {
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as { layers?: { mediaType?: string; digest?: string }[] };
    const digest = json.layers?.find((l) => l.mediaType === OLLAMA_MODEL_LAYER)?.digest;
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      warn(`${manifest}: no model layer with a sha256 digest; skipped`);
      return undefined;
    }
    return digest;
  } catch (err) {
    warn(`${manifest}: not a readable Ollama manifest (${(err as Error).message}); skipped`);
    return undefined;
  }
}

function ggufFiles(dir: string, depth: number, warn: (m: string) => void, explicit: boolean): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    // The usual folders often do not exist; a folder the user named must.
    if (explicit) warn(`${dir}: cannot be read (${(err as Error).message})`);
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    // Hugging Face snapshots are symlinks to blobs: follow links to files, never to folders (no cycles).
    if (e.isDirectory() && depth > 0) out.push(...ggufFiles(path, depth - 1, warn, false));
    else if ((e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.gguf') && isFile(path)) out.push(path);
  }
  return out;
}

/** One file as the loader sees its header. */
export function inspectGguf(path: string, name: string, source: LocalModel['source']): LocalModel {
  const entry: LocalModel = { path, name, source, architecture: null, quantization: null, sizeBytes: sizeOf(path), loadable: false, reason: null };
  let file: GgufFile;
  try {
    file = readGguf(path);
  } catch (err) {
    return { ...entry, reason: reasonOf(err, path) };
  }
  const arch = file.metadata.get('general.architecture');
  entry.architecture = typeof arch === 'string' ? arch : null;
  entry.quantization = quantization(file);
  try {
    const { config } = checkGgufHeader(file);
    checkRunnable(config, path);
    return { ...entry, loadable: true };
  } catch (err) {
    return { ...entry, reason: reasonOf(err, path) };
  }
}

/** The loader's message without the file name it starts with (the entry names the file already). */
function reasonOf(err: unknown, path: string): string {
  const message = HydrapatchError.from(err).message;
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

function quantization(file: GgufFile): string | null {
  const ftype = file.metadata.get('general.file_type');
  if (typeof ftype === 'number' && fileTypes[ftype]) return fileTypes[ftype];
  const bytes = new Map<number, number>();
  for (const t of file.tensors) bytes.set(t.type, (bytes.get(t.type) ?? 0) + t.byteSize);
  const top = [...bytes].sort((a, b) => b[1] - a[1])[0];
  return top ? ggmlTypeName(top[0]) : null;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function files(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
