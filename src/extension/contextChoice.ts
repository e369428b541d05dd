// The user's pins and exclusions of context files for the next run, started from the panel's context
// list: a draft kept with the run whose list it edits, and what the panel shows of it.
import type { ContextSummary } from '../core/pipeline/types';
import type { ContextAction, PanelContext } from '../protocol/webview';

/** What a run was asked to pin into and exclude from its context (SolveOptions.contextFiles). */
export interface ContextFiles {
  pinned: string[];
  excluded: string[];
}

export class ContextChoice {
  private readonly pinned: Set<string>;
  private readonly excluded: Set<string>;

  /** `used`: what the run was started with; the draft starts from it, so pins carry over to the next run. */
  constructor(private readonly used: ContextFiles = { pinned: [], excluded: [] }) {
    this.pinned = new Set(used.pinned);
    this.excluded = new Set(used.excluded);
  }

  /**
   * One click in the panel. Only a path the run's context lists (sent, left out, excluded, or pinned)
   * is taken: the panel is a less trusted context. Returns whether anything changed.
   */
  fromPanel(action: ContextAction, path: string, context: ContextSummary | undefined): boolean {
    return !!context && this.listed(path, context) && this.set(action, path);
  }

  /** Pins, unpins, excludes or includes `path` (repository-relative) for the next run; whether anything changed. */
  set(action: ContextAction, path: string): boolean {
    const before = this.key();
    if (action === 'pin') {
      this.excluded.delete(path);
      this.pinned.add(path);
    } else if (action === 'exclude') {
      this.pinned.delete(path);
      this.excluded.add(path);
    } else if (action === 'unpin') this.pinned.delete(path);
    else this.excluded.delete(path);
    return this.key() !== before;
  }

  get next(): ContextFiles {
    return { pinned: [...this.pinned], excluded: [...this.excluded] };
  }

  forPanel(context: ContextSummary): PanelContext {
    return { ...context, next: { ...this.next, changed: this.key() !== key(this.used) } };
  }

  private listed(path: string, c: ContextSummary): boolean {
    return c.files.some((f) => f.path === path) || c.leftOut.includes(path) || c.excluded.includes(path) || c.dropped.some((d) => d.path === path) || this.pinned.has(path) || this.excluded.has(path);
  }

  private key(): string {
    return key(this.next);
  }
}

function key(f: ContextFiles): string {
  return JSON.stringify([[...f.pinned].sort(), [...f.excluded].sort()]);
}
