// The runs of a workspace, kept across reloads in the extension's workspace storage folder: index.json
// lists them (newest first, at most MAX_RUNS; the oldest is dropped with its file) and each run is one
// <id>.json (storedRun.ts, bounded). A file that cannot be read is set aside as *.corrupt, never
// deleted, and the history goes on without it. No `vscode` here.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HydrapatchError } from '../protocol/errors';
import { STORED_RUN_VERSION, type StoredRun } from './storedRun';

export const MAX_RUNS = 20;

/** One line of the history: what the list shows without reading the run. */
export interface HistoryEntry {
  id: string;
  savedAt: string;
  title: string;
  /** Samples drawn, and verified among them. */
  samples: number;
  verified: number;
  candidates: number;
  phase: string;
}

interface Index {
  version: typeof STORED_RUN_VERSION;
  runs: HistoryEntry[];
}

export interface HistoryList {
  entries: HistoryEntry[];
  /** Set when the index could not be read: what was wrong and where the file was set aside. */
  problem?: string;
}

const isEntry = (e: unknown): e is HistoryEntry => {
  const x = e as Partial<HistoryEntry> | null;
  return typeof x === 'object' && x !== null && typeof x.id === 'string' && /^[\w-]+$/.test(x.id) && typeof x.savedAt === 'string' && typeof x.title === 'string'
    && typeof x.samples === 'number' && typeof x.verified === 'number' && typeof x.candidates === 'number' && typeof x.phase === 'string';
};

function isStoredRun(r: unknown): r is StoredRun {
  const x = r as Partial<StoredRun> | null;
  return typeof x === 'object' && x !== null && x.version === STORED_RUN_VERSION && typeof x.id === 'string' && typeof x.repoRoot === 'string'
    && Array.isArray(x.candidates) && Array.isArray(x.changes) && Array.isArray(x.samples) && Array.isArray(x.numbers) && Array.isArray(x.discarded) && Array.isArray(x.filesNotKept)
    && typeof x.groups === 'number' && typeof x.progress === 'object' && x.progress !== null;
}

export class RunHistory {
  /** Saves in order: two runs ending together must not both read the old index. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string, private readonly maxRuns = MAX_RUNS) {}

  private get indexPath(): string {
    return join(this.dir, 'index.json');
  }

  private runPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** The stored runs, newest first; an unreadable index gives none and says why (it is set aside, not lost). */
  async list(): Promise<HistoryList> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
      return { entries: [], problem: `The run history (${this.indexPath}) could not be read: ${(err as Error).message}.` };
    }
    try {
      const index = JSON.parse(text) as Partial<Index>;
      if (index.version !== STORED_RUN_VERSION || !Array.isArray(index.runs) || !index.runs.every(isEntry)) throw new Error('it is not a run history of this version');
      return { entries: index.runs };
    } catch (err) {
      const aside = `${this.indexPath}.corrupt`;
      await rename(this.indexPath, aside).catch(() => undefined);
      return { entries: [], problem: `The run history was unreadable (${(err as Error).message}), so it starts empty; the old file was kept as ${aside}.` };
    }
  }

  /** Stores `run` (replacing an earlier save of the same run) as the newest; drops the oldest past the limit. */
  save(run: StoredRun): Promise<void> {
    const next = this.queue.then(() => this.saveNow(run));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async saveNow(run: StoredRun): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const { entries } = await this.list();
    const entry: HistoryEntry = {
      id: run.id, savedAt: run.savedAt, title: run.title, samples: run.progress.sampled, verified: run.progress.passing,
      candidates: run.groups, phase: run.phase,
    };
    const runs = [entry, ...entries.filter((e) => e.id !== run.id)];
    await writeAtomically(this.runPath(run.id), JSON.stringify(run));
    await writeAtomically(this.indexPath, JSON.stringify({ version: STORED_RUN_VERSION, runs: runs.slice(0, this.maxRuns) } satisfies Index));
    for (const old of runs.slice(this.maxRuns)) await rm(this.runPath(old.id), { force: true });
  }

  /** A stored run; throws a clear error when its file is missing or unreadable (set aside as *.corrupt). */
  async load(id: string): Promise<StoredRun> {
    const path = this.runPath(id);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new HydrapatchError('bad_history', `The stored run ${id} could not be read (${(err as Error).message}).`, 'Pick another run, or solve the issue again.', { cause: err });
    }
    let run: unknown;
    try {
      run = JSON.parse(text);
    } catch {
      run = undefined;
    }
    if (!isStoredRun(run)) {
      await rename(path, `${path}.corrupt`).catch(() => undefined);
      throw new HydrapatchError('bad_history', `The stored run ${id} is unreadable, so it cannot be shown; the file was kept as ${path}.corrupt.`, 'Pick another run, or solve the issue again.');
    }
    return run;
  }
}

/** Written beside and renamed over, so that a crash mid-write leaves the old file, not half a new one. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
