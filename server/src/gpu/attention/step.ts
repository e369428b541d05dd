// The one pluggable piece of the forward pass: attention. The runner computes q, k, v for a batch of
// token rows (RoPE already applied) and hands them to an AttentionStep, which stores k/v wherever it
// keeps its KV cache (contiguous per sequence, shared prefix nodes, ...) and writes the attention
// output. The runner knows nothing about sequences; the step knows nothing about weights.
//
// Buffer layouts (all f32, row-major, one row per token of the batch, in batch order):
//   q   [rows, numHeads   * headDim]
//   k,v [rows, numKvHeads * headDim]
//   out [rows, numHeads   * headDim]   written by the step; read by the output projection.
// The buffers are sized for the runner's largest batch; only the first `rows` rows are valid.
// Scale is 1/sqrt(headDim); head h of q uses kv head floor(h / (numHeads / numKvHeads)) (GQA).
//
// How the runner (runner.ts) drives a step, per `ModelRunner.forward(batch, step, logitsRows)`:
//   step.begin({ rows, positions })             once, before encoding (positions: one per row)
//   step.encode(encoder, layer, q, k, v, out, rows)  once per layer, in order, into one encoder
//   (the command buffer is submitted)
//   step.end()                                  once, after the submit
// The single-sequence step is contiguousStep.ts (ContiguousKvAttention).

/** Shape facts a step needs to size its cache and kernels; taken from the model's config. */
export interface AttentionShape {
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
}

/** What one forward call is about to compute: the batch's token positions (one per row). */
export interface AttentionBatch {
  rows: number;
  positions: Int32Array;
}

export interface AttentionStep {
  /**
   * Called once per forward, before any layer is encoded, with the batch about to run. A step writes
   * its per-batch uniforms and grows its cache here (queue writes land before the forward's submit).
   */
  begin(batch: AttentionBatch): void;
  /** Encodes layer `layer`'s attention for the batch given to `begin` into `encoder`. */
  encode(encoder: GPUCommandEncoder, layer: number, q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, out: GPUBuffer, rows: number): void;
  /** Called after the forward's command buffer is submitted: the batch's k/v are now part of the cache. */
  end(): void;
  /**
   * A label for how much attention work the batch given to `begin` is, coarse enough that the steps
   * of one job share it for a while: forwards with the same batch shape and label take alike time
   * (the GPU waiter sleeps through most of it, server/src/gpu/gpuWait.ts).
   */
  workClass(): string;
}

/** Quarter-octave bucket of a work count: neighbours within ~19% share a bucket. */
export function workBucket(units: number): number {
  return Math.round(4 * Math.log2(1 + Math.max(0, units)));
}
