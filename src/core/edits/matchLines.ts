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
    const out = quality === 'exact' ? replace : keepFileLines(lines.slice(start, start + search.length), search, replace);
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

/** Above this many line pairs the REPLACE is not aligned with the SEARCH (a hostile block); lines are only re-indented. */
const maxAlignPairs = 4_000_000;

/**
 * The REPLACE for a fuzzy match, meaning what the model meant: lines it kept from its SEARCH (equal but
 * for whitespace) are the file's own lines, untouched; the lines it changed or added are re-indented
 * from the model's indentation to the file's.
 */
function keepFileLines(file: string[], search: string[], replace: string[]): string[] {
  const kept = search.length * replace.length <= maxAlignPairs ? alignKept(search, replace) : new Map<number, number>();
  const indent = indentation(file, search);
  return replace.map((l, i) => {
    const s = kept.get(i);
    if (s !== undefined) return file[s];
    return l.trim() === '' ? l : indent(l);
  });
}

/** REPLACE index → SEARCH index of the lines kept (a longest common subsequence, comparing trimmed text). */
function alignKept(search: string[], replace: string[]): Map<number, number> {
  const n = search.length;
  const m = replace.length;
  const a = search.map((l) => l.trim());
  const b = replace.map((l) => l.trim());
  const len = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) len[i][j] = a[i] === b[j] && a[i] !== '' ? len[i + 1][j + 1] + 1 : Math.max(len[i + 1][j], len[i][j + 1]);
  const out = new Map<number, number>();
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[i] === b[j] && a[i] !== '') out.set(j++, i++);
    else if (len[i + 1][j] >= len[i][j + 1]) i++;
    else j++;
  }
  return out;
}

const tabColumns = 4;

function columns(indent: string): number {
  let c = 0;
  for (const ch of indent) c += ch === '\t' ? tabColumns : 1;
  return c;
}

/**
 * Maps a line's indentation in the model's text to the file's, learnt from the matched lines: the same
 * model indentation gets the same file indentation; others follow the line through the observed
 * pairs (a model indenting by 4 where the file indents by 2 is scaled, not just shifted).
 */
function indentation(file: string[], search: string[]): (line: string) => string {
  const seen = new Map<number, string>();
  for (const [k, l] of search.entries()) if (l.trim() !== '' && !seen.has(columns(leading(l)))) seen.set(columns(leading(l)), leading(file[k]));
  const pairs = [...seen].map(([from, to]) => [from, columns(to)] as const).sort((x, y) => x[0] - y[0]);
  const tabs = [...seen.values()].some((i) => i.includes('\t'));
  let scale = 1;
  if (pairs.length >= 2) {
    const [f0, t0] = pairs[0];
    const [f1, t1] = pairs[pairs.length - 1];
    if (f1 !== f0 && t1 > t0) scale = (t1 - t0) / (f1 - f0);
  }
  const [from0, to0] = pairs[0] ?? [0, 0];
  return (line) => {
    const body = line.trimStart();
    const own = columns(leading(line));
    const known = seen.get(own);
    if (known !== undefined) return known + body;
    const width = Math.max(0, Math.round(to0 + (own - from0) * scale));
    return (tabs ? '\t'.repeat(Math.round(width / tabColumns)) : ' '.repeat(width)) + body;
  };
}

function leading(s: string): string {
  return /^[ \t]*/.exec(s)?.[0] ?? '';
}
