// The attention step of the sampling engine: it owns the KV pool (per layer, token slots of
// [numKvHeads, headDim] f32 or f16 for K and V, see kvFormat.ts), stores each forward row's new k/v
// at the slot the plan names (kvStore.ts), and runs the dispatches of an AttentionPlan (plan.ts):
// prefixAttention over shared prompt-tree nodes, perSequenceAttention over what each row attends
// alone, then mergeByLse. Which node goes which way is the planner's business (server/src/sampling);
// this file only executes plans.
import { HydrapatchError } from '../../../../src/protocol/errors';
import { capabilitiesOf } from '../capabilities';
import { UniformArena } from '../buffers';
import { compileProgram, type Binding, type ProgramOf } from '../program';
import { kvBytesPerValue, type KvType } from './kvFormat';
import { KV_STORE_WG, kvStoreProgram } from './kvStore';
import type { AttentionPlan } from './plan';
import { workBucket, type AttentionBatch, type AttentionShape, type AttentionStep } from './step';
import { perSequenceAttentionProgram, SEGMENT_HEADER_WORDS } from './baselineAttention';
import { LANES, maxQueriesPerLane, mergeByLseProgram, PREFIX_VARIANTS, prefixAttentionProgram, prefixQueryBlocks } from './hydragenAttention';

const LIST_ALIGN_WORDS = 64;

export interface TreeAttentionKernels {
  kvType: KvType;
  /** prefixAttention by queries per lane (every variant the head size allows). */
  prefix: Map<number, ProgramOf<ReturnType<typeof prefixAttentionProgram>>>;
  perSequence: ProgramOf<ReturnType<typeof perSequenceAttentionProgram>>;
  merge: ProgramOf<ReturnType<typeof mergeByLseProgram>>;
  store: ProgramOf<ReturnType<typeof kvStoreProgram>>;
}

/**
 * Compiles the pipelines for one model shape; the first dispatch of each pays the JIT (lavapipe compiles
 * lazily, so a prefixAttention variant no plan uses costs nothing there).
 */
export async function compileTreeAttention(device: GPUDevice, shape: AttentionShape, kvType: KvType = 'f32'): Promise<TreeAttentionKernels> {
  const caps = capabilitiesOf(device);
  if (!caps.subgroups) {
    throw new HydrapatchError('no_adapter', 'Shared-prefix attention needs the WebGPU `subgroups` feature, which this device was created without.', 'Use an adapter with subgroup support (Dawn on Vulkan, Metal or D3D12), and do not disable subgroups for the sampling engine.');
  }
  // A workgroup of LANES invocations must sit in one subgroup: each lane broadcasts its slice of a row.
  if (caps.subgroupSizes && caps.subgroupSizes.min < LANES) {
    throw new HydrapatchError('no_adapter', `The attention kernels need subgroups of at least ${LANES} lanes; this adapter's can be as small as ${caps.subgroupSizes.min}.`, 'Use another adapter (Dawn on Vulkan, Metal or D3D12 on a desktop GPU, or lavapipe).');
  }
  const group = shape.numHeads / shape.numKvHeads;
  const variants = PREFIX_VARIANTS.filter((q) => q <= maxQueriesPerLane(shape.headDim));
  const [perSequence, merge, store, ...prefix] = await Promise.all([
    compileProgram(device, perSequenceAttentionProgram(shape.headDim, group, kvType)),
    compileProgram(device, mergeByLseProgram(shape.headDim)),
    compileProgram(device, kvStoreProgram(kvType)),
    ...variants.map((q) => compileProgram(device, prefixAttentionProgram(shape.headDim, q, kvType))),
  ]);
  return { kvType, prefix: new Map(variants.map((q, i) => [q, prefix[i]])), perSequence, merge, store };
}

/** A storage buffer that grows (never shrinks) to the size asked. */
class GrowBuffer {
  buffer: GPUBuffer;
  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly label: string,
  ) {
    this.buffer = device.createBuffer({ label, size: 256, usage });
  }
  ensure(bytes: number): GPUBuffer {
    if (bytes > this.buffer.size) {
      this.buffer.destroy();
      this.buffer = this.device.createBuffer({ label: this.label, size: Math.ceil((bytes * 1.25) / 256) * 256, usage: this.usage });
    }
    return this.buffer;
  }
}

export class TreeAttention implements AttentionStep {
  readonly kPools: GPUBuffer[];
  readonly vPools: GPUBuffer[];
  readonly bytesPerSlot: number;
  readonly kvType: KvType;
  private plan: AttentionPlan | undefined;
  private maxSlots = 1;
  /** The forward's uniforms: one slot per prefix dispatch, then perSequence, merge and store (written in begin). */
  private readonly arena: UniformArena;
  private uniforms: { prefix: Binding[]; perSequence?: Binding; merge?: Binding; store?: Binding } = { prefix: [] };
  private readonly lists: GrowBuffer;
  private readonly segs: GrowBuffer;
  private readonly counts: GrowBuffer;
  private readonly dests: GrowBuffer;
  private readonly partO: GrowBuffer;
  private readonly partLse: GrowBuffer;
  private listOffsets: number[] = [];
  private perSeqSplits = 0;

  constructor(
    readonly device: GPUDevice,
    readonly shape: AttentionShape,
    private readonly kernels: TreeAttentionKernels,
    /** Token slots of the pool; every layer has this many. */
    readonly capacity: number,
  ) {
    this.kvType = kernels.kvType;
    const rowBytes = shape.numKvHeads * shape.headDim * kvBytesPerValue(kernels.kvType);
    this.bytesPerSlot = rowBytes * 2 * shape.numLayers;
    const maxBinding = capabilitiesOf(device).limits.maxStorageBufferBindingSize;
    if (capacity * rowBytes > maxBinding) {
      throw new HydrapatchError(
        'kv_too_large',
        `A KV pool of ${capacity} tokens needs ${capacity * rowBytes} bytes per layer and tensor, over this adapter's ${maxBinding}-byte binding limit.`,
        'Lower the KV budget (kvBudgetBytes) or the batch size.',
      );
    }
    const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const pool = (label: string) => device.createBuffer({ label, size: Math.max(256, capacity * rowBytes), usage: S });
    this.kPools = Array.from({ length: shape.numLayers }, (_, l) => pool(`kPool${l}`));
    this.vPools = Array.from({ length: shape.numLayers }, (_, l) => pool(`vPool${l}`));
    this.arena = new UniformArena(device);
    this.lists = new GrowBuffer(device, S, 'attnRowLists');
    this.segs = new GrowBuffer(device, S, 'attnRowSegments');
    this.counts = new GrowBuffer(device, S, 'attnSlotCounts');
    this.dests = new GrowBuffer(device, S, 'attnKvDest');
    this.partO = new GrowBuffer(device, S, 'attnPartialOut');
    this.partLse = new GrowBuffer(device, S, 'attnPartialLse');
  }

  /** The plan the next forward runs; set before the runner calls begin(). */
  setPlan(plan: AttentionPlan): void {
    this.plan = plan;
  }

  begin(batch: AttentionBatch): void {
    const plan = this.plan;
    if (!plan || plan.rows !== batch.rows) {
      throw new HydrapatchError('internal', `attention plan for ${plan?.rows ?? 'no'} rows, forward of ${batch.rows}`);
    }
    const { numHeads, numKvHeads, headDim } = this.shape;
    const group = numHeads / numKvHeads;
    const scale = 1 / Math.sqrt(headDim);
    this.maxSlots = Math.max(1, ...plan.slotCount);
    const k = this.kernels;
    this.arena.reset();
    this.listOffsets = [];
    let listWords = 0;
    for (const p of plan.prefix) {
      this.listOffsets.push(listWords);
      listWords += Math.ceil(Math.max(1, p.rows.length) / LIST_ALIGN_WORDS) * LIST_ALIGN_WORDS;
    }
    const lists = new Uint32Array(Math.max(1, listWords));
    const prefix = plan.prefix.map((p, i) => {
      lists.set(p.rows, this.listOffsets[i]);
      const prefixKernel = k.prefix.get(p.queriesPerLane);
      if (!prefixKernel) throw new HydrapatchError('internal', `no prefixAttention variant with ${p.queriesPerLane} queries per lane at head_dim ${headDim}`);
      return prefixKernel.uniform(this.arena, {
        numQueries: p.rows.length * group, group, numHeads, numKvHeads, segStart: p.segStart, segLen: p.segLen, splitLen: p.splitLen, slotBase: p.slotBase,
        maxSlots: this.maxSlots, causal: p.causalBase === undefined ? 0 : 1, causalBase: p.causalBase ?? 0, scale,
      });
    });
    let perSequence: Binding | undefined;
    const ps = plan.perSequence;
    if (ps) {
      const maxSeg = Math.max(1, ...ps.rowSegments.map((r) => r.segments.length));
      const stride = SEGMENT_HEADER_WORDS + 2 * maxSeg;
      const segs = new Uint32Array(plan.rows * stride);
      let longest = 0;
      ps.rowSegments.forEach((r, row) => {
        segs[row * stride] = r.slotBase;
        segs[row * stride + 1] = r.segments.length;
        let total = 0;
        r.segments.forEach(([s, l], j) => {
          segs[row * stride + 2 + 2 * j] = s;
          segs[row * stride + 3 + 2 * j] = l;
          total += l;
        });
        longest = Math.max(longest, total);
      });
      this.perSeqSplits = Math.max(1, Math.ceil(longest / ps.splitLen));
      perSequence = k.perSequence.uniform(this.arena, { numHeads, numKvHeads, splitLen: ps.splitLen, segStride: stride, maxSlots: this.maxSlots, scale });
      this.device.queue.writeBuffer(this.segs.ensure(segs.byteLength), 0, segs);
    }
    const merge = k.merge.uniform(this.arena, { rows: plan.rows, numHeads, maxSlots: this.maxSlots });
    const store = k.store.uniform(this.arena, { rows: plan.rows, rowVec4: (numKvHeads * headDim) / 4 });
    this.uniforms = { prefix, perSequence, merge, store };
    this.arena.flush();
    const q = this.device.queue;
    q.writeBuffer(this.lists.ensure(lists.byteLength), 0, lists);
    q.writeBuffer(this.counts.ensure(plan.rows * 4), 0, new Uint32Array(plan.slotCount));
    q.writeBuffer(this.dests.ensure(plan.rows * 4), 0, new Uint32Array(plan.kvDest.map((d) => (d < 0 ? 0xffffffff : d))));
    const partials = plan.rows * numHeads * this.maxSlots;
    this.partO.ensure(partials * headDim * 4);
    this.partLse.ensure(partials * 4);
  }

  encode(encoder: GPUCommandEncoder, layer: number, q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, out: GPUBuffer, rows: number): void {
    const plan = this.plan!;
    const u = this.uniforms;
    const { numKvHeads, numHeads, headDim } = this.shape;
    const group = numHeads / numKvHeads;
    const kernels = this.kernels;
    const kPool = this.kPools[layer];
    const vPool = this.vPools[layer];
    const partO = this.partO.buffer;
    const partLse = this.partLse.buffer;
    const pass = encoder.beginComputePass({ label: `attention${layer}` });
    kernels.store.dispatch(pass, u.store!, { k, v, dest: this.dests.buffer, kPool, vPool }, Math.ceil((rows * numKvHeads * headDim) / 4 / KV_STORE_WG));
    plan.prefix.forEach((p, i) => {
      const list = { buffer: this.lists.buffer, offset: this.listOffsets[i] * 4, size: Math.max(1, p.rows.length) * 4 };
      kernels.prefix.get(p.queriesPerLane)!.dispatch(pass, u.prefix[i], { q, kPool, vPool, rows: list, partO, partLse },
        Math.max(1, Math.ceil(p.segLen / p.splitLen)), numKvHeads, prefixQueryBlocks(p.rows.length * group, p.queriesPerLane));
    });
    if (plan.perSequence) {
      kernels.perSequence.dispatch(pass, u.perSequence!, { q, kPool, vPool, rowSegs: this.segs.buffer, partO, partLse }, this.perSeqSplits, numKvHeads, rows);
    }
    kernels.merge.dispatch(pass, u.merge!, { partO, partLse, slotCount: this.counts.buffer, out }, Math.ceil((rows * numHeads * headDim) / 4 / 64));
    pass.end();
  }

  end(): void {}

  /**
   * Key reads of the plan: a prefixAttention key-block counts as 3 per-sequence keys (their measured
   * cost ratio on lavapipe at 4 queries per lane), so that one bucket follows a job's steps while its
   * suffixes grow, and the two paths of one step land in different buckets.
   */
  workClass(): string {
    const plan = this.plan;
    if (!plan) return 'none';
    const group = this.shape.numHeads / this.shape.numKvHeads;
    const prefix = plan.prefix.reduce((a, p) => a + p.segLen * prefixQueryBlocks(p.rows.length * group, p.queriesPerLane), 0);
    const perSequence = plan.perSequence?.rowSegments.reduce((a, r) => a + r.segments.reduce((b, [, l]) => b + l, 0), 0) ?? 0;
    return `t${workBucket((3 * prefix + perSequence) * this.shape.numKvHeads)}`;
  }

  destroy(): void {
    for (const b of [...this.kPools, ...this.vPools]) b.destroy();
    for (const g of [this.lists, this.segs, this.counts, this.dests, this.partO, this.partLse]) g.buffer.destroy();
    this.arena.destroy();
  }
}
