// Choosing, per prompt-tree node and decode step, between prefixAttention (one batched pass over the
// node's keys for all rows below it) and folding the node into each row's per-sequence attention.
// The choice comes from kernel times measured on this device at load, not from fixed thresholds:
// the cascade loses on short nodes (one more dispatch) and on tiny batches (half-empty query blocks).
import type { AttentionShape } from '../gpu/attention/step';
import { f32ToF16Bits } from '../model/f16';
import type { AttentionPlan } from '../gpu/attention/plan';
import { TreeAttention, type TreeAttentionKernels } from '../gpu/attention/treeStep';
import { uploadStorage } from '../gpu/buffers';
import { runAttentionPlan, type PlanBuffers } from './runAttentionPlan';
import { maxQueriesPerLane, PREFIX_VARIANTS } from '../gpu/attention/hydragenAttention';
import { planDecode, prefixBlocking, type DecodeRow, type KvNode, type SplitPolicy } from './attentionPlan';

export interface PathCost {
  /** ms per (row, key) of per-sequence attention, all heads of one layer, at `rows` rows. */
  perSequenceMsPerKey: number;
  /** ms per (query block, key) of prefixAttention, all kv heads of one layer, by queries per lane. */
  prefixMsPerBlockKey: Record<number, number>;
  /** ms of one more dispatch (the prefix pass of a node and its partial in the merge). */
  dispatchMs: number;
  /** Rows the two per-key costs above were measured at. */
  rows: number;
  /**
   * The same per-key costs measured at one row (prefixAttention in the variant one row takes): a lone
   * sequence's key range is split across more workgroups, and each path pays that differently.
   */
  single: { perSequenceMsPerKey: number; prefixMsPerBlockKey: number; queriesPerLane: number };
}

/** Whether a node of `length` keys with `rows` sequences below it is cheaper through prefixAttention. */
export function preferShared(cost: PathCost, shape: AttentionShape, length: number, rows: number): boolean {
  // One query per kv head shares nothing: the batched pass would read the same keys for the same
  // query, in a workgroup of 8 query slots with 7 empty. Past that the measured costs decide; even
  // one sequence can gain when several query heads share a kv head (GQA 4:1, B=1, P=8K: 4.1 ms shared
  // against 5.1 per-sequence).
  const group = shape.numHeads / shape.numKvHeads;
  if (rows * group <= 1) return false;
  const { queriesPerLane, blocks } = prefixBlocking({ group, headDim: shape.headDim }, rows);
  // Per-key costs between the one-row and the many-row measurements, by log2 of the rows.
  const w = rows <= 1 ? 1 : rows >= cost.rows ? 0 : 1 - Math.log2(rows) / Math.log2(cost.rows);
  const manyPrefix = cost.prefixMsPerBlockKey[queriesPerLane];
  const prefix = manyPrefix * (1 + w * (cost.single.prefixMsPerBlockKey / cost.prefixMsPerBlockKey[cost.single.queriesPerLane] - 1));
  const perSequence = cost.perSequenceMsPerKey * (1 + w * (cost.single.perSequenceMsPerKey / cost.perSequenceMsPerKey - 1));
  return cost.dispatchMs + prefix * blocks * length < perSequence * rows * length;
}

/**
 * Every plan's ms over `reps` rounds, the plans run alternately so that load hits all alike. On a shared
 * machine noise only ever adds time: the least time estimates a kernel's own cost best. Each plan is
 * repeated within a round to last at least REPEAT_MS, so that every plan is waited for alike (the GPU
 * waiter sleeps through long waits and polls through short ones, and on lavapipe polling slows the
 * device ~1.5x; a short plan timed against a long one would look dearer than it is).
 */
async function timesMs(attention: TreeAttention, plans: AttentionPlan[], buffers: PlanBuffers, reps: number, repeat = true): Promise<number[][]> {
  const REPEAT_MS = 30;
  const repeats: number[] = [];
  for (const plan of plans) {
    await runAttentionPlan(attention, plan, buffers);
    const t = performance.now();
    await runAttentionPlan(attention, plan, buffers);
    repeats.push(repeat ? Math.min(64, Math.max(1, Math.ceil(REPEAT_MS / Math.max(0.05, performance.now() - t)))) : 1);
  }
  const times = plans.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < plans.length; j++) {
      const t = performance.now();
      await runAttentionPlan(attention, plans[j], buffers, 0, repeats[j]);
      times[j].push((performance.now() - t) / repeats[j]);
    }
  }
  return times;
}

const least = (ts: number[]) => Math.min(...ts);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Measures the constants on a one-layer scratch pool of the model's attention shape (~1 s on lavapipe). */
export async function calibratePathCost(device: GPUDevice, shape: AttentionShape, kernels: TreeAttentionKernels, policy: SplitPolicy): Promise<PathCost> {
  const P = 1024;
  const B = 32;
  const S = 4;
  const one = { ...shape, numLayers: 1 };
  const attention = new TreeAttention(device, one, kernels, P + B * S);
  const rowFloats = shape.numKvHeads * shape.headDim;
  // The pool holds keys in its own element type: f16 bits where the engine stores KV as f16.
  const values = Float32Array.from({ length: (P + B * S) * rowFloats }, (_, i) => Math.sin(i));
  const fill = kernels.kvType === 'f16' ? Uint16Array.from(values, f32ToF16Bits) : values;
  device.queue.writeBuffer(attention.kPools[0], 0, fill);
  device.queue.writeBuffer(attention.vPools[0], 0, fill);
  const qFloats = B * shape.numHeads * shape.headDim;
  const buffers = {
    q: uploadStorage(device, 'calibrationQ', new Float32Array(qFloats).map((_, i) => Math.cos(i))),
    k: uploadStorage(device, 'calibrationK', new Float32Array(B * rowFloats)),
    v: uploadStorage(device, 'calibrationV', new Float32Array(B * rowFloats)),
    out: uploadStorage(device, 'calibrationOut', new Float32Array(qFloats)),
  };
  const rows = (n: number): DecodeRow[] => Array.from({ length: n }, (_, i) => ({ node: 0, suffixStart: P + i * S, suffixLength: S }));
  const node = (length: number): KvNode[] => [{ start: 0, length, parent: -1 }];
  try {
    const variants = PREFIX_VARIANTS.filter((q) => q <= maxQueriesPerLane(shape.headDim));
    const [suffixOnly, baseline, suffixOnly1, baseline1, shared1, ...shared] = await timesMs(attention, [
      planDecode(node(0), rows(B), () => false, policy),
      planDecode(node(P), rows(B), () => false, policy),
      planDecode(node(0), rows(1), () => false, policy),
      planDecode(node(P), rows(1), () => false, policy),
      planDecode(node(P), rows(1), () => true, policy),
      // Every prefixAttention variant over the same rows, forced (the planner would pick one).
      ...variants.map((queriesPerLane) => planDecode(node(P), rows(B), () => true, { ...policy, queriesPerLane })),
    ], buffers, 11);
    // The fixed cost is measured where the choice is close (short nodes, a few rows), in single plans
    // waited for as a decode step of their size is: the gap between the paths at two node lengths is
    // d + L * k, and the two lengths give d without borrowing per-key costs measured in another regime.
    const [l1, l2, sb] = [64, 256, 8];
    const [sh1, ba1, sh2, ba2] = await timesMs(attention, [
      planDecode(node(l1), rows(sb), () => true, policy),
      planDecode(node(l1), rows(sb), () => false, policy),
      planDecode(node(l2), rows(sb), () => true, policy),
      planDecode(node(l2), rows(sb), () => false, policy),
    ], buffers, 31, false);
    const perSequenceMsPerKey = Math.max(1e-9, (least(baseline) - least(suffixOnly)) / (B * P));
    const prefixMsPerBlockKey: Record<number, number> = {};
    variants.forEach((queriesPerLane, i) => {
      const { blocks } = prefixBlocking({ ...policy, queriesPerLane }, B);
      prefixMsPerBlockKey[queriesPerLane] = Math.max(1e-9, (least(shared[i]) - least(suffixOnly)) / (blocks * P));
    });
    // Sub-millisecond plans: the median of the paired differences (each pair run back to back) is
    // steadier than a difference of minima.
    const gap1 = median(sh1.map((t, i) => t - ba1[i]));
    const gap2 = median(sh2.map((t, i) => t - ba2[i]));
    const one = prefixBlocking({ ...policy, queriesPerLane: undefined }, 1);
    return {
      perSequenceMsPerKey,
      prefixMsPerBlockKey,
      dispatchMs: Math.max(0, (l2 * gap1 - l1 * gap2) / (l2 - l1)),
      rows: B,
      single: {
        perSequenceMsPerKey: Math.max(1e-9, (least(baseline1) - least(suffixOnly1)) / P),
        prefixMsPerBlockKey: Math.max(1e-9, (least(shared1) - least(suffixOnly1)) / (one.blocks * P)),
        queriesPerLane: one.queriesPerLane,
      },
    };
  } finally {
    attention.destroy();
    for (const b of Object.values(buffers)) b.destroy();
  }
}
