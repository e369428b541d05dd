// Group candidates that are the same fix with the same test outcome, then rank the groups: fixes what
// failed and breaks nothing > dual agreement (reproduction tests passed × group size, CodeT-style) >
// larger group (consensus among independent samples) > smaller diff.
// Pure: the orchestrator passes tested candidates and gets groups plus each candidate's group and rank.
import type { CandidateGroup } from './types';
import type { Verdict } from '../testing/types';
import { countChangedLines, normalizePatch } from './normalizePatch';

export interface RankInput {
  /** Sample index (unique per candidate). */
  index: number;
  diff: string;
  verdict: Verdict;
  /** Baseline-failing tests this candidate makes pass. */
  fixed: string[];
  /** Baseline-passing tests this candidate makes fail. */
  broken: string[];
  /** The kept reproduction tests this candidate passes (sample indices of the tests). */
  repro?: { passed: number[] };
  evidence?: CandidateGroup['evidence'];
}

/** Best first. 'not-applied' candidates have no diff and are never grouped. */
const verdictOrder: Verdict[] = ['verified', 'partial', 'no-fix', 'breaks', 'error'];

export interface Ranking<T extends RankInput> {
  /** Groups, best first; `rank` is 1-based and equals position + 1. */
  groups: CandidateGroup[];
  /** The candidates in input order, each with `group` and `rank` set (null when not applied). */
  candidates: (T & { group: number | null; rank: number | null })[];
}

export function rankCandidates<T extends RankInput>(candidates: T[]): Ranking<T> {
  const byKey = new Map<string, T[]>();
  for (const c of candidates) {
    if (c.verdict === 'not-applied' || c.diff === '') continue;
    const key = [c.verdict, [...c.fixed].sort().join('\u0000'), [...c.broken].sort().join('\u0000'), [...(c.repro?.passed ?? [])].sort((a, b) => a - b).join(','), normalizePatch(c.diff)].join('\u0001');
    const members = byKey.get(key);
    if (members) members.push(c);
    else byKey.set(key, [c]);
  }
  const unranked = [...byKey.values()].map((members) => {
    const sizes = members.map((m) => countChangedLines(m.diff));
    let best = 0;
    for (let i = 1; i < members.length; i++) if (sizes[i] < sizes[best] || (sizes[i] === sizes[best] && members[i].index < members[best].index)) best = i;
    const rep = members[best];
    return {
      verdict: rep.verdict,
      members: members.map((m) => m.index).sort((a, b) => a - b),
      representative: rep.index,
      diff: rep.diff,
      changedLines: sizes[best],
      fixed: [...rep.fixed].sort(),
      broken: [...rep.broken].sort(),
      ...(rep.repro ? { reproPassed: [...rep.repro.passed].sort((a, b) => a - b), agreement: rep.repro.passed.length * members.length } : {}),
      ...(rep.evidence ? { evidence: rep.evidence } : {}),
    };
  });
  unranked.sort(
    (x, y) =>
      verdictOrder.indexOf(x.verdict) - verdictOrder.indexOf(y.verdict) ||
      (y.agreement ?? 0) - (x.agreement ?? 0) ||
      y.fixed.length - x.fixed.length ||
      x.broken.length - y.broken.length ||
      y.members.length - x.members.length ||
      x.changedLines - y.changedLines ||
      x.representative - y.representative,
  );
  const groups: CandidateGroup[] = unranked.map((g, i) => ({ id: i + 1, rank: i + 1, ...g }));
  const where = new Map<number, CandidateGroup>();
  for (const g of groups) for (const m of g.members) where.set(m, g);
  return {
    groups,
    candidates: candidates.map((c) => {
      const g = where.get(c.index);
      return { ...c, group: g ? g.id : null, rank: g ? g.rank : null };
    }),
  };
}
