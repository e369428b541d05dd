// What one forward's tree attention runs (the planner, server/src/sampling/attentionPlan.ts, makes it;
// treeStep.ts executes it): prefixAttention over shared prompt-tree nodes, perSequenceAttention over
// what each row attends alone, then mergeByLse of the partials.

/** One prefixAttention dispatch: the listed rows' queries over one pool segment. */
export interface PrefixDispatch {
  segStart: number;
  segLen: number;
  /** Batch rows whose queries attend this segment. */
  rows: number[];
  /** Partial slot of split 0 (identical for every listed row). */
  slotBase: number;
  splitLen: number;
  /** The prefixAttention variant (queries each lane holds; the planner sizes it to the rows). */
  queriesPerLane: number;
  /** Prefill of a node over itself: list entry i sees segment keys [0, causalBase + i]. */
  causalBase?: number;
}

export interface RowSegments {
  slotBase: number;
  /** (start, length) pairs in pool slots, attended in order. */
  segments: [number, number][];
}

export interface AttentionPlan {
  rows: number;
  prefix: PrefixDispatch[];
  /** Every row 0..rows-1 attends its own segments, split by `splitLen`, when present. */
  perSequence?: { splitLen: number; rowSegments: RowSegments[] };
  /** Partials written per row (slots 0..n-1). */
  slotCount: number[];
  /** Pool slot receiving each row's new k/v, or -1. */
  kvDest: number[];
}
