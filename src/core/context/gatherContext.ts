// The context of one repair: the most relevant files (whole, or an excerpt around what the issue
// points at when a file does not fit) and a repository map, within a token budget. Everything the
// samples share, so it goes at the root of the prompt tree.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { readRepoFiles, repoRoot, type RepoFile } from './listFiles';
import { rankFiles, type RankedFile } from './rankFiles';
import { renderRepoMap } from './repoMap';
import { extractSymbols, type CodeSymbol } from './symbols';
import { estimateTokens, type TokenCounter } from './tokens';

export interface ContextOptions {
  repoDir: string;
  issueText: string;
  /** Tokens for the map and the files together (the issue and the instructions are not counted). */
  budgetTokens: number;
  countTokens?: TokenCounter;
  /** Share of the budget the repository map may use (default 0.15). */
  mapShare?: number;
  /** At most this many files in full or in excerpt (default 6); pinned files are sent beyond it. */
  maxFiles?: number;
  /**
   * Files the user wants sent whatever their rank: they take the budget first, in this order (whole,
   * else an excerpt). One that does not fit, or is not a text file of the repository, is reported in `dropped`.
   */
  pinned?: string[];
  /** Files the user wants left out: never sent, nor in the repository map. */
  excluded?: string[];
}

export interface ContextFile {
  path: string;
  /** The file's text, or the excerpt's lines when `excerpt` is set (exact text, usable in SEARCH). */
  text: string;
  /** 1-based inclusive line range when only part of the file is shown. */
  excerpt?: { startLine: number; endLine: number; totalLines: number };
  score: number;
  reasons: string[];
  /** Sent because the user pinned it. */
  pinned?: boolean;
}

/** A pinned file that was not sent, and why in words a user can act on. */
export interface DroppedFile {
  path: string;
  reason: string;
}

export interface RepoContext {
  /** The repository's top folder; all paths are relative to it. */
  root: string;
  files: ContextFile[];
  repoMap: string;
  /** Every file with any evidence, best first (more than fit in `files`). */
  ranking: RankedFile[];
  /** Tokens of repoMap plus the files, by the counter used. */
  tokens: number;
  /** Pinned files that were not sent. */
  dropped: DroppedFile[];
}

/** Per-file overhead in the prompt (path line, fences). */
const fileOverheadTokens = 12;

export async function gatherContext(options: ContextOptions): Promise<RepoContext> {
  if (!(options.budgetTokens > 0)) {
    throw new HydrapatchError('bad_input', `context budget must be a positive number of tokens (got ${options.budgetTokens})`, 'pass contextBudgetTokens, e.g. 6000');
  }
  const root = await repoRoot(options.repoDir);
  // The issue may itself be a file of the repository (an ISSUE.md); the prompt has it already.
  const issue = normalizeText(options.issueText);
  const files = (await readRepoFiles(root)).filter((f) => normalizeText(f.text) !== issue);
  const context = selectContext(root, files, options);
  // A pinned path missing from the listing: say whether the file is gone or just not one that is read.
  for (const d of context.dropped) if (d.reason === NOT_LISTED && !(await isFile(join(root, d.path)))) d.reason = 'it is no longer in the repository (deleted or renamed?); unpin it, or pin its new path';
  return context;
}

const NOT_LISTED = 'it is not a text file of the repository that context is read from (ignored by git, vendored, generated, binary, over 200 KB, or the issue itself)';

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** A path as the user gave it ("./src/a.js", "src\\a.js") in the repository's form ("src/a.js"). */
export function repoPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/{2,}/g, '/');
}

/** The selection itself, on files already read (pure; what gatherContext runs after reading). */
export function selectContext(root: string, allFiles: RepoFile[], options: Omit<ContextOptions, 'repoDir'>): RepoContext {
  const count = options.countTokens ?? estimateTokens;
  const excluded = new Set((options.excluded ?? []).map(repoPath));
  const pinned = [...new Set((options.pinned ?? []).map(repoPath))];
  const both = pinned.filter((p) => excluded.has(p));
  if (both.length) throw new HydrapatchError('bad_input', `${both.join(', ')} is both pinned and excluded from the context`, 'keep each file either pinned or excluded, not both');
  const files = allFiles.filter((f) => !excluded.has(f.path));
  const symbols = new Map<string, CodeSymbol[]>(files.map((f) => [f.path, extractSymbols(f.path, f.text)]));
  const ranking = rankFiles(files, symbols, options.issueText);
  const textOf = new Map(files.map((f) => [f.path, f.text]));

  const mapBudget = Math.floor(options.budgetTokens * (options.mapShare ?? 0.15));
  const rankedPaths = new Set(ranking.map((r) => r.path));
  const mapOrder = [...ranking.map((r) => r.path), ...files.map((f) => f.path).filter((p) => !rankedPaths.has(p))];
  const repoMap = renderRepoMap(mapOrder.map((p) => ({ path: p, symbols: symbols.get(p) ?? [] })), mapBudget, count);
  let left = options.budgetTokens - (repoMap ? count(repoMap) : 0);

  const chosen: ContextFile[] = [];
  /** The file whole when it fits what is left, else an excerpt around the issue's focus, else nothing. */
  const take = (r: RankedFile, pin: boolean): boolean => {
    const text = textOf.get(r.path) as string;
    const cost = count(text) + fileOverheadTokens;
    const extra = pin ? { pinned: true } : {};
    if (cost <= left) {
      chosen.push({ path: r.path, text, score: r.score, reasons: r.reasons, ...extra });
      left -= cost;
      return true;
    }
    const ex = excerpt(text, focusLine(r, text, options.issueText), left - fileOverheadTokens, count);
    if (!ex) return false;
    chosen.push({ path: r.path, text: ex.text, excerpt: ex.range, score: r.score, reasons: r.reasons, ...extra });
    left -= count(ex.text) + fileOverheadTokens;
    return true;
  };

  const dropped: DroppedFile[] = [];
  const rankOf = new Map(ranking.map((r) => [r.path, r]));
  for (const path of pinned) {
    if (!textOf.has(path)) dropped.push({ path, reason: NOT_LISTED });
    else if (!take({ ...(rankOf.get(path) ?? { path, score: 0, lines: [], symbolLines: [] }), reasons: ['pinned by you', ...(rankOf.get(path)?.reasons ?? [])] }, true)) {
      dropped.push({ path, reason: `it does not fit in what is left of the ${options.budgetTokens}-token context budget; raise the budget, or unpin other files` });
    }
  }
  const maxFiles = chosen.length + (options.maxFiles ?? 6);
  for (const r of ranking) {
    if (chosen.length >= maxFiles || left < 3 * fileOverheadTokens) break;
    if (!pinned.includes(r.path)) take(r, false);
  }
  return { root, files: chosen, repoMap, ranking, tokens: options.budgetTokens - left, dropped };
}

function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** The line to centre an excerpt on: a stack frame, else a named symbol, else the densest match. */
function focusLine(r: RankedFile, text: string, issue: string): number {
  if (r.lines.length) return r.lines[0];
  if (r.symbolLines.length) return r.symbolLines[0];
  const words = new Set(issue.toLowerCase().match(/[a-z_]\w{3,}/g) ?? []);
  const lines = text.split('\n');
  let best = 0;
  let bestHits = -1;
  lines.forEach((l, i) => {
    const hits = (l.toLowerCase().match(/[a-z_]\w{3,}/g) ?? []).filter((w) => words.has(w)).length;
    if (hits > bestHits) {
      bestHits = hits;
      best = i;
    }
  });
  return best + 1;
}

/** Whole lines around `center`, grown alternately up and down while they fit `budget`. */
function excerpt(text: string, center: number, budget: number, count: TokenCounter) {
  const lines = text.split('\n');
  if (budget <= 0 || lines.length === 0) return undefined;
  let lo = Math.min(Math.max(0, center - 1), lines.length - 1);
  let hi = lo;
  let cost = count(lines[lo] + '\n');
  if (cost > budget) return undefined;
  for (let grew = true; grew; ) {
    grew = false;
    for (const dir of [-1, 1]) {
      const i = dir < 0 ? lo - 1 : hi + 1;
      if (i < 0 || i >= lines.length) continue;
      const c = count(lines[i] + '\n');
      if (cost + c > budget) continue;
      cost += c;
      if (dir < 0) lo = i;
      else hi = i;
      grew = true;
    }
  }
  return { text: lines.slice(lo, hi + 1).join('\n'), range: { startLine: lo + 1, endLine: hi + 1, totalLines: lines.length } };
}
