// Where a SEARCH goes in a file: exact first, then with growing tolerance for what models get wrong
// while meaning the same lines (trailing spaces, indentation, blank lines at the edges of the block).
// Whatever tolerance was needed is reported, so a candidate that only applied fuzzily says so.

export type MatchQuality = 'exact' | 'trailing-whitespace' | 'indentation' | 'edge-blank-lines';

export interface LineMatch {
  /** First matched line (0-based) and number of lines replaced. */
  start: number;
  length: number;
  /** The REPLACE lines to insert (re-indented when the match needed indentation tolerance). */
  replace: string[];
  quality: MatchQuality;
  /** Several places matched equally well; the one nearest the hint (or the first) was used. */
  ambiguous: boolean;
}

type Compare = (a: string, b: string) => boolean;

/**
 * Line comparisons one search may make. Real edits need far fewer; a hostile sample (thousands of
 * identical SEARCH lines against a file of identical lines) would otherwise take quadratic time.
 */
export const maxLineComparisons = 20_000_000;

export class MatchBudgetExceeded extends Error {}

const levels: { quality: MatchQuality; same: Compare }[] = [
  { quality: 'exact', same: (a, b) => a === b },
  { quality: 'trailing-whitespace', same: (a, b) => a.trimEnd() === b.trimEnd() },
  { quality: 'indentation', same: (a, b) => a.trim() === b.trim() },
];

/** Find `search` (non-empty) in `lines`; undefined when no tolerance level finds it. Throws
 *  MatchBudgetExceeded past maxLineComparisons. */
export function matchLines(lines: string[], search: string[], replace: string[], lineHint?: number): LineMatch | undefined {
  const direct = matchAtLevels(lines, search, replace, lineHint);
  if (direct) return direct;
  // Models often add or drop blank lines around the block; retry without them, on both sides.
  let lead = 0;
  while (lead < search.length && search[lead].trim() === '') lead++;
  let trail = 0;
  while (trail < search.length - lead && search[search.length - 1 - trail].trim() === '') trail++;
  if (lead === 0 && trail === 0) return undefined;
  const core = search.slice(lead, search.length - trail);
  if (core.length === 0) return undefined;
  let rLead = 0;
  while (rLead < lead && rLead < replace.length && replace[rLead].trim() === '') rLead++;
  let rTrail = 0;
  while (rTrail < trail && rTrail < replace.length - rLead && replace[replace.length - 1 - rTrail].trim() === '') rTrail++;
  const m = matchAtLevels(lines, core, replace.slice(rLead, replace.length - rTrail), lineHint);
  return m ? { ...m, quality: 'edge-blank-lines' } : undefined;
}

function matchAtLevels(lines: string[], search: string[], replace: string[], lineHint?: number): LineMatch | undefined {
  for (const { quality, same } of levels) {
    const starts = findAll(lines, search, same);
    if (starts.length === 0) continue;
    const start = pick(starts, lineHint);
    const out = quality === 'indentation' ? reindent(lines, search, replace, start) : replace;
    return { start, length: search.length, replace: out, quality, ambiguous: starts.length > 1 };
  }
  return undefined;
}

function findAll(lines: string[], search: string[], same: Compare): number[] {
  const out: number[] = [];
  const last = lines.length - search.length;
  let work = 0;
  outer: for (let s = 0; s <= last; s++) {
    for (let k = 0; k < search.length; k++) {
      if (++work > maxLineComparisons) throw new MatchBudgetExceeded();
      if (!same(lines[s + k], search[k])) continue outer;
    }
    out.push(s);
  }
  return out;
}

function pick(starts: number[], lineHint?: number): number {
  if (lineHint === undefined) return starts[0];
  const want = lineHint - 1;
  return starts.reduce((best, s) => (Math.abs(s - want) < Math.abs(best - want) ? s : best), starts[0]);
}

/** Shift REPLACE by the difference between the SEARCH's indentation and the file's at the match. */
function reindent(lines: string[], search: string[], replace: string[], start: number): string[] {
  const k = search.findIndex((l) => l.trim() !== '');
  if (k < 0) return replace;
  const fromIndent = leading(search[k]);
  const toIndent = leading(lines[start + k]);
  if (fromIndent === toIndent) return replace;
  return replace.map((l) => {
    if (l.trim() === '') return l;
    if (l.startsWith(fromIndent)) return toIndent + l.slice(fromIndent.length);
    return l;
  });
}

function leading(s: string): string {
  return /^[ \t]*/.exec(s)?.[0] ?? '';
}
