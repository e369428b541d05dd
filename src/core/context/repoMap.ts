// A compact map of the repository: every file it can afford, with its top-level symbols for the files
// that matter most. Files are added in order of relevance until the budget is spent, then printed in
// path order so the map reads as a tree.
import type { CodeSymbol } from './symbols';
import type { TokenCounter } from './tokens';

export interface MapEntry {
  path: string;
  symbols: CodeSymbol[];
}

/** `entries` in priority order (most relevant first). Returns '' when not even one path fits. */
export function renderRepoMap(entries: MapEntry[], budgetTokens: number, count: TokenCounter, maxSymbolsPerFile = 12): string {
  const chosen = new Map<string, string>();
  let used = 0;
  for (const e of entries) {
    const syms = e.symbols.filter((s) => s.kind !== 'method' || e.symbols.length <= maxSymbolsPerFile).slice(0, maxSymbolsPerFile);
    const full = [e.path + (syms.length ? ':' : ''), ...syms.map((s) => `  ${s.signature}`)].join('\n');
    const fullCost = count(full + '\n');
    if (used + fullCost <= budgetTokens) {
      chosen.set(e.path, full);
      used += fullCost;
      continue;
    }
    const bare = count(e.path + '\n');
    if (used + bare <= budgetTokens) {
      chosen.set(e.path, e.path);
      used += bare;
    }
  }
  return [...chosen.keys()].sort().map((p) => chosen.get(p)).join('\n');
}
