// The single-sequence AttentionStep: one contiguous KV cache per layer ([position, kvHeads·headDim]
// f32), filled in order. A batch must continue the sequence: its rows sit at positions
// length, length+1, ... (a prefill of many rows, or one decode row). Used by `logits` and
// `generate -n 1`; shared-prefix sampling uses the Hydragen step instead.
import { HydrapatchError } from '../../../../src/protocol/errors';
import { createStorage, UniformArena } from '../buffers';
import type { Binding } from '../program';
import { causalAttentionKernel, causalAttentionUniform, encodeCausalAttention, type CausalAttentionProgram } from './causalAttention';
import { workBucket, type AttentionBatch, type AttentionShape, type AttentionStep } from './step';

export class ContiguousKvAttention implements AttentionStep {
  private keys: GPUBuffer[] = [];
  private values: GPUBuffer[] = [];
  private capacity = 0;
  private cached = 0;
  private pending = 0;
  private readonly kernel: CausalAttentionProgram;
  private readonly arena: UniformArena;
  private uniform: Binding | undefined;
  private positions: GPUBuffer | undefined;
  private readonly rowBytes: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: AttentionShape,
    /** Most positions the cache may ever hold (the model's context length). */
    private readonly maxLength: number,
  ) {
    this.kernel = causalAttentionKernel(device);
    this.arena = new UniformArena(device);
    this.rowBytes = shape.numKvHeads * shape.headDim * 4;
  }

  /** Tokens whose k/v the cache holds. */
  get length(): number {
    return this.cached;
  }

  /** Forgets the sequence (the memory is kept for the next one). */
  reset(): void {
    this.cached = 0;
  }

  begin(batch: AttentionBatch): void {
    const { rows, positions } = batch;
    for (let i = 0; i < rows; i++) {
      if (positions[i] !== this.cached + i) {
        throw new HydrapatchError('bad_batch', `row ${i} is at position ${positions[i]}, but this sequence continues at ${this.cached + i}`, 'A single-sequence cache takes rows in order; reset() it to start over.');
      }
    }
    const needed = this.cached + rows;
    if (needed > this.maxLength) {
      throw new HydrapatchError('context_full', `the sequence needs ${needed} positions, more than the context length ${this.maxLength}`, 'Use a shorter prompt or fewer new tokens.');
    }
    this.grow(needed);
    this.arena.reset();
    this.uniform = causalAttentionUniform(this.arena, rows, this.shape.numHeads, this.shape.numKvHeads, this.shape.headDim);
    this.arena.flush();
    if (!this.positions || this.positions.size < rows * 4) {
      this.positions?.destroy();
      this.positions = createStorage(this.device, 'kvAttention.positions', rows * 4);
    }
    this.device.queue.writeBuffer(this.positions, 0, Uint32Array.from(positions.subarray(0, rows)));
    this.pending = rows;
  }

  encode(encoder: GPUCommandEncoder, layer: number, q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, out: GPUBuffer, rows: number): void {
    const at = this.cached * this.rowBytes;
    encoder.copyBufferToBuffer(k, 0, this.keys[layer], at, rows * this.rowBytes);
    encoder.copyBufferToBuffer(v, 0, this.values[layer], at, rows * this.rowBytes);
    encodeCausalAttention(encoder, this.kernel, this.uniform!, rows, this.shape.numHeads, {
      positions: this.positions!,
      q,
      kCache: this.keys[layer],
      vCache: this.values[layer],
      out,
    });
  }

  end(): void {
    this.cached += this.pending;
    this.pending = 0;
  }

  /** Keys read: each row of the batch attends the cache up to itself. */
  workClass(): string {
    return `c${workBucket(this.pending * (this.cached + this.pending))}`;
  }

  destroy(): void {
    for (const b of [...this.keys, ...this.values]) b.destroy();
    this.positions?.destroy();
    this.arena.destroy();
  }

  /** Doubles the per-layer buffers (copying what they hold) until `length` positions fit. */
  private grow(length: number): void {
    if (length <= this.capacity) return;
    const capacity = Math.min(this.maxLength, Math.max(64, 2 ** Math.ceil(Math.log2(length))));
    const encoder = this.device.createCommandEncoder({ label: 'kvAttention.grow' });
    const move = (old: GPUBuffer[], label: string) =>
      Array.from({ length: this.shape.numLayers }, (_, i) => {
        const b = createStorage(this.device, `${label}.${i}`, capacity * this.rowBytes);
        if (old[i] && this.cached > 0) encoder.copyBufferToBuffer(old[i], 0, b, 0, this.cached * this.rowBytes);
        return b;
      });
    const keys = move(this.keys, 'kCache');
    const values = move(this.values, 'vCache');
    this.device.queue.submit([encoder.finish()]);
    for (const b of [...this.keys, ...this.values]) b.destroy();
    this.keys = keys;
    this.values = values;
    this.capacity = capacity;
  }
}
