// Which files matter for an issue. Evidence, strongest first: named in a stack trace, named in the
// prose, defines an identifier the issue mentions, lexical similarity (BM25 over path, symbols and
// contents; path and symbol terms weighted up because they are what people name).
import { buildBm25, tokenize } from './bm25';
import { extractMentions, resolveMention } from './issueMentions';
import type { RepoFile } from './listFiles';
import type { CodeSymbol } from './symbols';

export interface RankedFile {
  path: string;
  score: number;
  /** Why it ranks where it does, for logs and the UI ("stack trace line 12", "defines parseDate", "bm25 0.83"). */
  reasons: string[];
  /** Lines the issue points at (stack frames), 1-based. */
  lines: number[];
  /** Lines of the symbols the issue names, 1-based. */
  symbolLines: number[];
}

const traceWeight = 4;
const proseWeight = 2.5;
const symbolWeight = 1.5;

export function rankFiles(files: RepoFile[], symbols: Map<string, CodeSymbol[]>, issueText: string): RankedFile[] {
  const paths = files.map((f) => f.path);
  const mentions = extractMentions(issueText);
  const byPath = new Map<string, RankedFile>(paths.map((p) => [p, { path: p, score: 0, reasons: [], lines: [], symbolLines: [] }]));

  const docs = files.map((f) => {
    const syms = (symbols.get(f.path) ?? []).map((s) => s.name).join(' ');
    const pathTerms = tokenize(f.path);
    const symTerms = tokenize(syms);
    return [...pathTerms, ...pathTerms, ...pathTerms, ...symTerms, ...symTerms, ...tokenize(f.text.slice(0, 50_000))];
  });
  const lexical = buildBm25(docs).score(tokenize(issueText));
  const top = Math.max(0, ...lexical);
  lexical.forEach((s, i) => {
    if (s <= 0 || top <= 0) return;
    const r = byPath.get(paths[i]) as RankedFile;
    r.score += s / top;
    r.reasons.push(`bm25 ${(s / top).toFixed(2)}`);
  });

  for (const m of mentions.paths) {
    for (const p of resolveMention(m.path, paths)) {
      const r = byPath.get(p) as RankedFile;
      r.score += m.fromTrace ? traceWeight : proseWeight;
      r.reasons.push(m.fromTrace ? `stack trace${m.line ? ` line ${m.line}` : ''}` : 'named in the issue');
      if (m.line !== undefined && !r.lines.includes(m.line)) r.lines.push(m.line);
    }
  }

  const wanted = new Set(mentions.identifiers);
  for (const [path, syms] of symbols) {
    const r = byPath.get(path);
    if (!r) continue;
    const hits = syms.filter((s) => wanted.has(s.name));
    const names = [...new Set(hits.map((s) => s.name))];
    if (names.length === 0) continue;
    r.score += symbolWeight * Math.min(3, names.length);
    r.reasons.push(`defines ${names.slice(0, 3).join(', ')}`);
    r.symbolLines.push(...hits.map((s) => s.line));
  }

  return [...byPath.values()].filter((r) => r.score > 0).sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : 1));
}
