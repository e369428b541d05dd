// From the prompt tree's KV layout to the dispatches of one forward (server/src/gpu/attention/treeStep.ts):
// which nodes are attended with prefixAttention (shared, batched across the rows below them), which
// per sequence, where each row's partials go, and how key ranges are split for parallelism.
import type { AttentionPlan, PrefixDispatch, RowSegments } from '../gpu/attention/plan';
import { prefixQueriesPerLane, prefixQueryBlocks } from '../gpu/attention/hydragenAttention';

/** A prompt-tree node's KV: a contiguous run of pool slots. parent -1 = root. */
export interface KvNode {
  start: number;
  length: number;
  parent: number;
}

/**
 * A decoding sequence: below `node`; its own tokens in the full runs `suffixPages` (if any), then at
 * suffixStart.. (the current one last).
 */
export interface DecodeRow {
  node: number;
  suffixPages?: [number, number][];
  suffixStart: number;
  suffixLength: number;
}

export interface SplitPolicy {
  /** Workgroups to aim for per dispatch so that every core is busy. */
  targetWorkgroups: number;
  numKvHeads: number;
  /** Query heads per kv head. */
  group: number;
  /** The model's head size (prefixAttention's query block depends on it). */
  headDim: number;
  /** Forces the prefixAttention variant (tests and benchmarks); otherwise sized to each node's rows. */
  queriesPerLane?: number;
}

/** The prefixAttention variant and its query blocks per kv head for `rows` rows below a node. */
export function prefixBlocking(policy: Pick<SplitPolicy, 'group' | 'headDim' | 'queriesPerLane'>, rows: number): { queriesPerLane: number; blocks: number } {
  const queries = rows * policy.group;
  const queriesPerLane = prefixQueriesPerLane(policy.headDim, queries, policy.queriesPerLane);
  return { queriesPerLane, blocks: prefixQueryBlocks(queries, queriesPerLane) };
}

const MIN_SPLIT = 64;

function splitLenFor(length: number, otherWorkgroups: number, policy: SplitPolicy): number {
  const splits = Math.max(1, Math.min(Math.ceil(policy.targetWorkgroups / Math.max(1, otherWorkgroups)), Math.ceil(length / MIN_SPLIT)));
  return Math.max(1, Math.ceil(length / splits));
}

export function ancestors(nodes: KvNode[], node: number): number[] {
  const path: number[] = [];
  for (let n = node; n >= 0; n = nodes[n].parent) path.unshift(n);
  return path;
}

/**
 * The decode plan. `shared(n)` says whether node n is attended by prefixAttention (Hydragen) or folded
 * into each row's per-sequence segments (baseline); the current token's k/v go to the suffix's last slot.
 */
export function planDecode(nodes: KvNode[], rows: DecodeRow[], shared: (node: number) => boolean, policy: SplitPolicy): AttentionPlan {
  const paths = rows.map((r) => ancestors(nodes, r.node));
  const below = new Map<number, number[]>();
  paths.forEach((path, row) => {
    for (const n of path) if (shared(n) && nodes[n].length > 0) (below.get(n) ?? below.set(n, []).get(n)!).push(row);
  });
  const slotBase = new Map<number, number>();
  const prefix: PrefixDispatch[] = [];
  const slotOf = (path: number[]): number => {
    let slot = 0;
    for (const n of path) {
      const rs = below.get(n);
      if (!rs) continue;
      if (!slotBase.has(n)) {
        const { queriesPerLane, blocks } = prefixBlocking(policy, rs.length);
        const splitLen = splitLenFor(nodes[n].length, policy.numKvHeads * blocks, policy);
        slotBase.set(n, slot);
        prefix.push({ segStart: nodes[n].start, segLen: nodes[n].length, rows: rs, slotBase: slot, splitLen, queriesPerLane });
      }
      const d = prefix.find((p) => p.segStart === nodes[n].start && p.rows === rs)!;
      slot += Math.ceil(d.segLen / d.splitLen);
    }
    return slot;
  };
  const rowSegments: RowSegments[] = rows.map((r, i) => {
    const segments: [number, number][] = paths[i].filter((n) => !below.has(n) && nodes[n].length > 0).map((n) => [nodes[n].start, nodes[n].length]);
    segments.push(...(r.suffixPages ?? []), [r.suffixStart, r.suffixLength]);
    return { slotBase: slotOf(paths[i]), segments };
  });
  const longest = Math.max(1, ...rowSegments.map((r) => r.segments.reduce((a, [, l]) => a + l, 0)));
  const splitLen = splitLenFor(longest, policy.numKvHeads * rows.length, policy);
  const splits = Math.ceil(longest / splitLen);
  return {
    rows: rows.length,
    prefix,
    perSequence: { splitLen, rowSegments },
    slotCount: rowSegments.map((r) => r.slotBase + splits),
    kvDest: rows.map((r) => r.suffixStart + r.suffixLength - 1),
  };
}

/**
 * Prefill of `count` tokens of node `node` starting at its token `from` (a chunk): each token attends
 * every ancestor node (batched, prefixAttention) and the node's own tokens up to itself (causal).
 */
export function planPrefill(nodes: KvNode[], node: number, from: number, count: number, policy: SplitPolicy): AttentionPlan {
  const rowIds = Array.from({ length: count }, (_, i) => i);
  const { queriesPerLane, blocks } = prefixBlocking(policy, count);
  const qBlocks = policy.numKvHeads * blocks;
  const prefix: PrefixDispatch[] = [];
  let slot = 0;
  for (const n of ancestors(nodes, node).slice(0, -1)) {
    if (nodes[n].length === 0) continue;
    const splitLen = splitLenFor(nodes[n].length, qBlocks, policy);
    prefix.push({ segStart: nodes[n].start, segLen: nodes[n].length, rows: rowIds, slotBase: slot, splitLen, queriesPerLane });
    slot += Math.ceil(nodes[n].length / splitLen);
  }
  const own = from + count;
  const splitLen = splitLenFor(own, qBlocks, policy);
  prefix.push({ segStart: nodes[node].start, segLen: own, rows: rowIds, slotBase: slot, splitLen, queriesPerLane, causalBase: from });
  slot += Math.ceil(own / splitLen);
  return {
    rows: count,
    prefix,
    slotCount: rowIds.map(() => slot),
    kvDest: rowIds.map((i) => nodes[node].start + from + i),
  };
}
