// Choosing, per prompt-tree node and decode step, between prefixAttention (one batched pass over the
// node's keys for all rows below it) and folding the node into each row's per-sequence attention.
// The choice comes from kernel times measured on this device at load, not from fixed thresholds:
// the cascade loses on short nodes (one more dispatch) and on tiny batches (half-empty query blocks).
import type { AttentionShape } from '../model/attentionStep';
import { TreeAttention, type AttentionPlan, type TreeAttentionKernels } from '../gpu/treeAttention';
import { runAttentionPlan, uploadF32 } from '../gpu/hydragenHarness';
import { QUERIES_PER_WORKGROUP } from '../gpu/hydragenAttention';
import { planDecode, type DecodeRow, type KvNode, type SplitPolicy } from './attentionPlan';

export interface PathCost {
  /** ms per (row, key) of per-sequence attention, all heads of one layer. */
  perSequenceMsPerKey: number;
  /** ms per (query block, key) of prefixAttention, all kv heads of one layer. */
  prefixMsPerBlockKey: number;
  /** ms of one more dispatch (the prefix pass of a node and its partial in the merge). */
  dispatchMs: number;
}

/** Whether a node of `length` keys with `rows` sequences below it is cheaper through prefixAttention. */
export function preferShared(cost: PathCost, shape: AttentionShape, length: number, rows: number): boolean {
  // One sequence shares nothing: the batched pass would read the same keys for the same queries.
  if (rows < 2) return false;
  const group = shape.numHeads / shape.numKvHeads;
  const blocks = Math.ceil((rows * group) / QUERIES_PER_WORKGROUP);
  return cost.dispatchMs + cost.prefixMsPerBlockKey * blocks * length < cost.perSequenceMsPerKey * rows * length;
}

/**
 * Least ms of each plan over `reps` runs, run alternately: on a shared machine the noise only ever adds
 * time, so the minimum estimates the kernel's own cost best, and alternation hits all plans alike.
 */
async function leastMs(attention: TreeAttention, plans: AttentionPlan[], buffers: Parameters<typeof runAttentionPlan>[2], reps: number): Promise<number[]> {
  for (const plan of plans) await runAttentionPlan(attention, plan, buffers);
  const times = plans.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < plans.length; j++) {
      const t = performance.now();
      await runAttentionPlan(attention, plans[j], buffers);
      times[j].push(performance.now() - t);
    }
  }
  return times.map((ts) => Math.min(...ts));
}

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
    const [suffixOnly, baseline, shared, tinyShared, tinyBaseline] = await leastMs(attention, [
      planDecode(node(0), rows(B), () => false, policy),
      planDecode(node(P), rows(B), () => false, policy),
      planDecode(node(P), rows(B), () => true, policy),
      planDecode(node(32), rows(2), () => true, policy),
      planDecode(node(32), rows(2), () => false, policy),
    ], buffers, 7);
    const blocks = Math.ceil((B * shape.numHeads) / shape.numKvHeads / QUERIES_PER_WORKGROUP);
    return {
      perSequenceMsPerKey: Math.max(1e-9, (baseline - suffixOnly) / (B * P)),
      prefixMsPerBlockKey: Math.max(1e-9, (shared - suffixOnly) / (blocks * P)),
      dispatchMs: Math.max(0, tinyShared - tinyBaseline),
    };
  } finally {
    attention.destroy();
    for (const b of Object.values(buffers)) b.destroy();
  }
}
