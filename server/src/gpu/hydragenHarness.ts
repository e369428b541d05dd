// Running one attention plan outside a model forward: for the kernel tests and the microbenchmark.
import type { AttentionPlan, TreeAttention } from './treeAttention';
import { gpuWaiter } from './gpuWait';

export function uploadF32(device: GPUDevice, data: Float32Array, label: string): GPUBuffer {
  const buffer = device.createBuffer({ label, size: Math.max(256, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

export async function readF32(device: GPUDevice, buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: floats * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, floats * 4);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

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
