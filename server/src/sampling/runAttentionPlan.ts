// Running one attention plan outside a model forward: the path-cost calibration at load
// (pathCost.ts), and the kernel tests and the microbenchmark (bench/hydragen.ts).
import type { AttentionPlan } from '../gpu/attention/plan';
import type { TreeAttention } from '../gpu/attention/treeStep';
import { gpuWaiter } from '../gpu/gpuWait';

export interface PlanBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  out: GPUBuffer;
}

/** Runs `plan` on layer `layer` `repeats` times in one submission and waits for the device. */
export async function runAttentionPlan(attention: TreeAttention, plan: AttentionPlan, buffers: PlanBuffers, layer = 0, repeats = 1): Promise<void> {
  const device = attention.device;
  attention.setPlan(plan);
  attention.begin({ rows: plan.rows, positions: new Int32Array(plan.rows) });
  const enc = device.createCommandEncoder();
  for (let i = 0; i < repeats; i++) attention.encode(enc, layer, buffers.q, buffers.k, buffers.v, buffers.out, plan.rows);
  device.queue.submit([enc.finish()]);
  const submitted = performance.now();
  // Alike plans take alike time: the waiter sleeps through most of it instead of polling (gpuWait.ts).
  const kind = `plan:${plan.rows}:${attention.workClass()}:${repeats}`;
  attention.end();
  await gpuWaiter.wait(kind, submitted, () => device.queue.onSubmittedWorkDone());
}
