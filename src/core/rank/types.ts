// A candidate group: the samples that wrote the same fix with the same test outcome, ranked.
import type { Evidence } from '../repro/types';
import type { Verdict } from '../testing/types';

export interface CandidateGroup {
  id: number;
  rank: number;
  verdict: Verdict;
  /** Sample indices in the group. */
  members: number[];
  /** The member shown for the group (its smallest diff). */
  representative: number;
  diff: string;
  changedLines: number;
  fixed: string[];
  broken: string[];
  /** Reproduction tests its patch passes, and the dual agreement: that count × the group's size. */
  reproPassed?: number[];
  agreement?: number;
  evidence?: Evidence;
}
