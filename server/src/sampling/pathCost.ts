// Choosing, per prompt-tree node and decode step, between prefixAttention (one batched pass over the
// node's keys for all rows below it) and folding the node into each row's per-sequence attention.
// The choice comes from kernel times measured on this device at load, not from fixed thresholds:
// the cascade loses on short nodes (one more dispatch) and on tiny batches (half-empty query blocks).
import type { AttentionShape } from '../model/attentionStep';
import { TreeAttention, type AttentionPlan, type TreeAttentionKernels } from '../gpu/treeAttention';
import { runAttentionPlan, uploadF32 } from '../gpu/hydragenHarness';
import { maxQueriesPerLane, PREFIX_VARIANTS, prefixQueriesPerLane, prefixQueryBlocks } from '../gpu/hydragenAttention';
import { planDecode, prefixBlocking, type DecodeRow, type KvNode, type SplitPolicy } from './attentionPlan';

export interface PathCost {
  /** ms per (row, key) of per-sequence attention, all heads of one layer. */
  perSequenceMsPerKey: number;
  /** ms per (query block, key) of prefixAttention, all kv heads of one layer, by queries per lane. */
  prefixMsPerBlockKey: Record<number, number>;
  /** ms of one more dispatch (the prefix pass of a node and its partial in the merge). */
  dispatchMs: number;
}

/** Whether a node of `length` keys with `rows` sequences below it is cheaper through prefixAttention. */
export function preferShared(cost: PathCost, shape: AttentionShape, length: number, rows: number): boolean {
  // Even one sequence can gain: with GQA its query heads share each loaded key row in prefixAttention
  // (4 heads per kv head at P=8K: 6.6 ms against 7.3 per-sequence), so the measured costs decide.
  const queries = (rows * shape.numHeads) / shape.numKvHeads;
  const queriesPerLane = prefixQueriesPerLane(shape.headDim, queries);
  const blocks = prefixQueryBlocks(queries, queriesPerLane);
  return cost.dispatchMs + cost.prefixMsPerBlockKey[queriesPerLane] * blocks * length < cost.perSequenceMsPerKey * rows * length;
}

/**
 * Every plan's ms over `reps` rounds, the plans run alternately so that load hits all alike. On a shared
 * machine noise only ever adds time: the least time estimates a kernel's own cost best.
 */
async function timesMs(attention: TreeAttention, plans: AttentionPlan[], buffers: Parameters<typeof runAttentionPlan>[2], reps: number): Promise<number[][]> {
  for (const plan of plans) await runAttentionPlan(attention, plan, buffers);
  const times = plans.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < plans.length; j++) {
      const t = performance.now();
      await runAttentionPlan(attention, plans[j], buffers);
      times[j].push(performance.now() - t);
    }
  }
  return times;
}

const least = (ts: number[]) => Math.min(...ts);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Measures the three constants on a one-layer scratch pool of the model's attention shape (~1 s on lavapipe). */
export async function calibratePathCost(device: GPUDevice, shape: AttentionShape, kernels: TreeAttentionKernels, policy: SplitPolicy): Promise<PathCost> {
  const P = 1024;
  const B = 32;
  const S = 4;
  const one = { ...shape, numLayers: 1 };
  const attention = new TreeAttention(device, one, kernels, P + B * S);
  const rowFloats = shape.numKvHeads * shape.headDim;
  const fill = new Float32Array((P + B * S) * rowFloats).map((_, i) => Math.sin(i));
  device.queue.writeBuffer(attention.kPools[0], 0, fill);
  device.queue.writeBuffer(attention.vPools[0], 0, fill);
  const qFloats = B * shape.numHeads * shape.headDim;
  const buffers = {
    q: uploadF32(device, new Float32Array(qFloats).map((_, i) => Math.cos(i)), 'calibrationQ'),
    k: uploadF32(device, new Float32Array(B * rowFloats), 'calibrationK'),
    v: uploadF32(device, new Float32Array(B * rowFloats), 'calibrationV'),
    out: uploadF32(device, new Float32Array(qFloats), 'calibrationOut'),
  };
  const rows = (n: number): DecodeRow[] => Array.from({ length: n }, (_, i) => ({ node: 0, suffixStart: P + i * S, suffixLength: S }));
  const node = (length: number): KvNode[] => [{ start: 0, length, parent: -1 }];
  try {
    // The fixed cost is measured where the choice is close (a short node, a few rows): there the two
    // plans differ by it plus the per-key terms the large plans give, and the rest of a step cancels.
    const [sp, sb] = [128, 8];
    const variants = PREFIX_VARIANTS.filter((q) => q <= maxQueriesPerLane(shape.headDim));
    const [suffixOnly, baseline, shortShared, shortBaseline, ...shared] = await timesMs(attention, [
      planDecode(node(0), rows(B), () => false, policy),
      planDecode(node(P), rows(B), () => false, policy),
      planDecode(node(sp), rows(sb), () => true, policy),
      planDecode(node(sp), rows(sb), () => false, policy),
      // Every prefixAttention variant over the same rows, forced (the planner would pick one).
      ...variants.map((queriesPerLane) => planDecode(node(P), rows(B), () => true, { ...policy, queriesPerLane })),
    ], buffers, 11);
    const perSequenceMsPerKey = Math.max(1e-9, (least(baseline) - least(suffixOnly)) / (B * P));
    const prefixMsPerBlockKey: Record<number, number> = {};
    variants.forEach((queriesPerLane, i) => {
      const { blocks } = prefixBlocking({ ...policy, queriesPerLane }, B);
      prefixMsPerBlockKey[queriesPerLane] = Math.max(1e-9, (least(shared[i]) - least(suffixOnly)) / (blocks * P));
    });
    // Sub-millisecond plans: the median of the paired differences (each pair run back to back) is
    // steadier than a difference of minima.
    const gap = median(shortShared.map((t, i) => t - shortBaseline[i]));
    const short = prefixBlocking({ ...policy, queriesPerLane: undefined }, sb);
    return {
      perSequenceMsPerKey,
      prefixMsPerBlockKey,
      dispatchMs: Math.max(0, gap + perSequenceMsPerKey * sb * sp - prefixMsPerBlockKey[short.queriesPerLane] * short.blocks * sp),
    };
  } finally {
    attention.destroy();
    for (const b of Object.values(buffers)) b.destroy();
  }
}
