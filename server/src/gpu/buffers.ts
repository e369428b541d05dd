// Buffers the kernels share: an arena that holds the uniforms of a whole forward in a few buffers
// written once, storage buffers within the device's binding limit, upload and read-back.
import { capabilitiesOf } from './capabilities';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { Binding } from './program';
import { gpuWaiter } from './gpuWait';

/**
 * Uniform slots for one command buffer. Every dispatch of a forward gets its own slot (queue writes
 * land before the submit, so slots cannot be reused within it); all slots are written in one go.
 * Slots live in blocks of BLOCK_SLOTS, each its own buffer, and a block once bound is never replaced:
 * growing one buffer mid-forward would destroy what the dispatches encoded before it had bound.
 */
export class UniformArena {
  private static readonly slot = 256;
  private static readonly blockSlots = 256;
  private readonly blocks: GPUBuffer[] = [];
  private staging = new ArrayBuffer(UniformArena.blockSlots * UniformArena.slot);
  private used = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Starts a new command buffer's worth of slots. */
  reset(): void {
    this.used = 0;
  }

  /** A slot of `bytes` (at most 256), filled by `write` (see Program.uniform). */
  slot(bytes: number, write: (view: DataView) => void): Binding & { size: number } {
    const { slot, blockSlots } = UniformArena;
    if (bytes > slot) throw new HydrapatchError('internal', `a uniform of ${bytes} bytes does not fit a ${slot}-byte slot`);
    if ((this.used + 1) * slot > this.staging.byteLength) {
      const grown = new ArrayBuffer(this.staging.byteLength * 2);
      new Uint8Array(grown).set(new Uint8Array(this.staging));
      this.staging = grown;
    }
    write(new DataView(this.staging, this.used * slot, bytes));
    const block = Math.floor(this.used / blockSlots);
    const offset = (this.used % blockSlots) * slot;
    this.used++;
    return { buffer: this.block(block), offset, size: bytes };
  }

  /** Writes the slots used since `reset` (one write per block); call before submitting the command buffer. */
  flush(): void {
    const { slot, blockSlots } = UniformArena;
    for (let b = 0; b * blockSlots < this.used; b++) {
      const slots = Math.min(blockSlots, this.used - b * blockSlots);
      this.device.queue.writeBuffer(this.block(b), 0, this.staging, b * blockSlots * slot, slots * slot);
    }
  }

  destroy(): void {
    for (const b of this.blocks) b.destroy();
  }

  private block(i: number): GPUBuffer {
    while (this.blocks.length <= i) {
      this.blocks.push(this.device.createBuffer({ label: `uniforms.${this.blocks.length}`, size: UniformArena.blockSlots * UniformArena.slot, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
    }
    return this.blocks[i];
  }
}

/** A storage buffer of at least `bytes` (rounded up to 16; never zero-sized). */
export function createStorage(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  const max = capabilitiesOf(device).limits.maxStorageBufferBindingSize;
  if (bytes > max) {
    throw new HydrapatchError('gpu_buffer_too_large', `${label} needs ${bytes} bytes, more than the device's largest storage binding (${max} bytes)`, 'Use a smaller model or batch, or a GPU with larger buffer limits.');
  }
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

export function uploadStorage(device: GPUDevice, label: string, data: ArrayBufferView): GPUBuffer {
  const buffer = createStorage(device, label, data.byteLength);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // writeBuffer wants a multiple of 4 bytes.
  const padded = bytes.byteLength % 4 === 0 ? bytes : (() => {
    const p = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
    p.set(bytes);
    return p;
  })();
  device.queue.writeBuffer(buffer, 0, padded);
  return buffer;
}

/**
 * Copies `bytes` from `buffer` (at `offset`) back to the CPU, once the work submitted before is done.
 * `kind` names that work for the waiter (see gpuWait.ts): reads after alike work should share it.
 */
export async function readBack(device: GPUDevice, buffer: GPUBuffer, offset: number, bytes: number, kind = `readBack:${bytes}`): Promise<ArrayBuffer> {
  const reader = new ReadBuffer(device, 'readBack');
  const encoder = device.createCommandEncoder();
  reader.encodeCopy(encoder, buffer, bytes, offset);
  device.queue.submit([encoder.finish()]);
  try {
    return await reader.read(bytes, kind);
  } finally {
    reader.destroy();
  }
}

/**
 * A mappable buffer for reading results back every step, kept and grown rather than made each time:
 * the copy into it is encoded in the step's own command buffer (no second submit), then `read` waits.
 */
export class ReadBuffer {
  private buffer: GPUBuffer | undefined;

  constructor(private readonly device: GPUDevice, private readonly label: string) {}

  /** Copies `bytes` of `source` from `offset`. */
  encodeCopy(encoder: GPUCommandEncoder, source: GPUBuffer, bytes: number, offset = 0): void {
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    if (!this.buffer || this.buffer.size < size) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ label: this.label, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    encoder.copyBufferToBuffer(source, offset, this.buffer, 0, Math.ceil(bytes / 4) * 4);
  }

  /** The first `bytes` copied, once the submitted work is done; `kind` names that work for the waiter. */
  async read(bytes: number, kind: string): Promise<ArrayBuffer> {
    const buffer = this.buffer;
    if (!buffer) throw new Error(`${this.label}: read before any copy was encoded`);
    await gpuWaiter.wait(kind, performance.now(), () => buffer.mapAsync(GPUMapMode.READ, 0, Math.max(16, Math.ceil(bytes / 4) * 4)));
    const out = buffer.getMappedRange(0, Math.max(16, Math.ceil(bytes / 4) * 4)).slice(0, bytes);
    buffer.unmap();
    return out;
  }

  destroy(): void {
    this.buffer?.destroy();
  }
}

export async function readF32(device: GPUDevice, buffer: GPUBuffer, count: number, offsetFloats = 0, kind?: string): Promise<Float32Array> {
  return new Float32Array(await readBack(device, buffer, offsetFloats * 4, count * 4, kind));
}
