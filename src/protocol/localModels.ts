// What `hydrapatch-server models --json` prints: the GGUF files a user already has (Ollama's store, the
// usual download folders), each with whether the bundled server can load it. The CLI's `hydrapatch
// models` and the extension's model picker read this shape; both print it with formatModelTable.

export interface LocalModel {
  /** The GGUF file (for Ollama, the model blob). */
  path: string;
  /** Ollama: `model:tag` (with namespace or registry when not the default); folders: the file name. */
  name: string;
  source: 'ollama' | 'folder';
  /** `general.architecture`, or null when the header cannot be read. */
  architecture: string | null;
  /** The file type (`Q4_K_M`, `Q8_0`, …), else the tensor type holding most bytes; null when unreadable. */
  quantization: string | null;
  sizeBytes: number;
  loadable: boolean;
  /** Why the bundled server cannot load it (the loader's own message); null when loadable. */
  reason: string | null;
}

/** A plain-text table, one model a line, the reason under a model that cannot be loaded. */
export function formatModelTable(models: LocalModel[]): string {
  if (models.length === 0) return 'No GGUF models found (Ollama store, ~/models, ~/Downloads, Hugging Face, LM Studio and llama.cpp caches). Add folders with --dir.\n';
  const rows = models.map((m) => [m.loadable ? 'yes' : 'no', m.name, m.architecture ?? '?', m.quantization ?? '?', formatSize(m.sizeBytes), m.source]);
  const head = ['loadable', 'name', 'arch', 'quant', 'size', 'source'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n';
  let out = line(head);
  models.forEach((m, i) => {
    out += line(rows[i]);
    out += `    ${m.path}\n`;
    if (m.reason) out += `    why not: ${m.reason}\n`;
  });
  return out;
}

function formatSize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
