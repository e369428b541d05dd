// The small machinery every kernel family shares: a compute pipeline with an explicit bind-group
// layout (`layout: 'auto'` drops unused bindings and then fails validation), an arena that packs the
// uniforms of a whole forward into one buffer written once, and buffer upload / read-back helpers.
import { capabilitiesOf } from './capabilities';
import { HydrapatchError } from '../../../src/protocol/errors';
import { gpuWaiter } from './gpuWait';

export type BindingKind = 'uniform' | 'read' | 'storage';

export interface Kernel {
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** A binding: a whole buffer, or a window of one (uniform slots live in a shared arena buffer). */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };

export function createKernel(device: GPUDevice, label: string, code: string, bindings: BindingKind[]): Kernel {
  const layout = device.createBindGroupLayout({
    label,
    entries: bindings.map((kind, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
    })),
  });
  const module = device.createShaderModule({ label, code });
  const pipeline = device.createComputePipeline({
    label,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  return { label, pipeline, layout };
}

const kernelCache = new WeakMap<GPUDevice, Map<string, Kernel>>();

/** The kernel `key` of this device, created (and compiled) once per process: compiles are slow on lavapipe. */
export function cachedKernel(device: GPUDevice, key: string, create: () => Kernel): Kernel {
  let byKey = kernelCache.get(device);
  if (!byKey) kernelCache.set(device, (byKey = new Map()));
  let kernel = byKey.get(key);
  if (!kernel) byKey.set(key, (kernel = create()));
  return kernel;
}

const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 0;
const bindGroups = new WeakMap<GPUBindGroupLayout, Map<string, GPUBindGroup>>();
/** Bind groups kept per layout; past this the layout's are dropped (a model uses a few dozen). */
const BIND_GROUPS_PER_LAYOUT = 512;

/**
 * The bind group of `layout` over `bindings`, made once and kept: createBindGroup costs ~50-90 µs in
 * Dawn's node binding, ~3 ms for the 40-odd dispatches of a forward, and a decode step binds the same
 * buffers at the same offsets every time. Keyed by buffer identity, so a buffer that was replaced
 * (grown, destroyed) is never bound again through an old group.
 */
export function bindGroupFor(device: GPUDevice, layout: GPUBindGroupLayout, bindings: (Binding | GPUBufferBinding)[]): GPUBindGroup {
  const windows = bindings.map((b) => ('buffer' in b ? { buffer: b.buffer, offset: b.offset ?? 0, size: b.size } : { buffer: b, offset: 0, size: undefined }));
  const id = (b: GPUBuffer) => {
    let i = bufferIds.get(b);
    if (i === undefined) bufferIds.set(b, (i = nextBufferId++));
    return i;
  };
  const key = windows.map((w) => `${id(w.buffer)}@${w.offset}+${w.size ?? '*'}`).join(',');
  let byKey = bindGroups.get(layout);
  if (!byKey) bindGroups.set(layout, (byKey = new Map()));
  let group = byKey.get(key);
  if (!group) {
    if (byKey.size >= BIND_GROUPS_PER_LAYOUT) byKey.clear();
    group = device.createBindGroup({
      layout,
      entries: windows.map((w, binding) => ({ binding, resource: w.size === undefined ? { buffer: w.buffer, offset: w.offset } : { buffer: w.buffer, offset: w.offset, size: w.size } })),
    });
    byKey.set(key, group);
  }
  return group;
}

export function dispatch(encoder: GPUCommandEncoder, device: GPUDevice, kernel: Kernel, bindings: Binding[], x: number, y = 1, z = 1): void {
  const limit = capabilitiesOf(device).limits.maxComputeWorkgroupsPerDimension;
  if (x > limit || y > limit || z > limit) {
    throw new HydrapatchError('gpu_dispatch_too_large', `${kernel.label}: dispatch ${x}×${y}×${z} exceeds the device limit of ${limit} workgroups per dimension`, 'Use a smaller batch or model.');
  }
  if (x === 0 || y === 0 || z === 0) return;
  const bindGroup = bindGroupFor(device, kernel.layout, bindings);
  const pass = encoder.beginComputePass({ label: kernel.label });
  pass.setPipeline(kernel.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(x, y, z);
  pass.end();
}

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

  /** A slot holding `values` as u32 (numbers) — use `f32` to store a float. */
  alloc(values: (number | { f32: number })[]): { buffer: GPUBuffer; offset: number; size: number } {
    const { slot, blockSlots } = UniformArena;
    const size = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
    if ((this.used + 1) * slot > this.staging.byteLength) {
      const grown = new ArrayBuffer(this.staging.byteLength * 2);
      new Uint8Array(grown).set(new Uint8Array(this.staging));
      this.staging = grown;
    }
    const view = new DataView(this.staging, this.used * slot, slot);
    values.forEach((v, i) => (typeof v === 'number' ? view.setUint32(i * 4, v >>> 0, true) : view.setFloat32(i * 4, v.f32, true)));
    const block = Math.floor(this.used / blockSlots);
    const offset = (this.used % blockSlots) * slot;
    this.used++;
    return { buffer: this.block(block), offset, size };
  }

  /** Writes the slots used since `reset` (one write per block); call before submitting the command buffer. */
  flush(): void {
    const { slot, blockSlots } = UniformArena;
    for (let b = 0; b * blockSlots < this.used; b++) {
      const slots = Math.min(blockSlots, this.used - b * blockSlots);
      this.device.queue.writeBuffer(this.block(b), 0, this.staging, b * blockSlots * slot, slots * slot);
    }
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
  const staging = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offset, staging, 0, Math.ceil(bytes / 4) * 4);
  device.queue.submit([encoder.finish()]);
  await gpuWaiter.wait(kind, performance.now(), () => staging.mapAsync(GPUMapMode.READ));
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

/**
 * A mappable buffer for reading results back every step, kept and grown rather than made each time:
 * the copy into it is encoded in the step's own command buffer (no second submit), then `read` waits.
 */
export class ReadBuffer {
  private buffer: GPUBuffer | undefined;

  constructor(private readonly device: GPUDevice, private readonly label: string) {}

  encodeCopy(encoder: GPUCommandEncoder, source: GPUBuffer, bytes: number): void {
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    if (!this.buffer || this.buffer.size < size) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ label: this.label, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    encoder.copyBufferToBuffer(source, 0, this.buffer, 0, size);
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
