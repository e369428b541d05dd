// The attention step of the sampling engine: it owns the KV pool (per layer, token slots of
// [numKvHeads, headDim] f32 or f16 for K and V, see kvFormat.ts), stores each forward row's new k/v
// at the slot the plan names, and runs the dispatches of an AttentionPlan: prefixAttention over shared
// prompt-tree nodes, perSequenceAttention over what each row attends alone, then mergeByLse. Which node goes which way
// is the planner's business (server/src/sampling); this file only executes plans.
import { capabilitiesOf } from './capabilities';
import { bindGroupFor } from './kernel';
import { KV_PACK_WGSL, kvBytesPerValue, type KvType } from './kvFormat';
import { workBucket, type AttentionBatch, type AttentionShape, type AttentionStep } from '../model/attentionStep';
import { HydrapatchError } from '../../../src/protocol/errors';
import { perSequenceAttentionWgsl, PER_SEQUENCE_PARAM_WORDS, SEGMENT_HEADER_WORDS } from './baselineAttention';
import { maxQueriesPerLane, MERGE_PARAM_WORDS, mergeByLseWgsl, PREFIX_PARAM_WORDS, PREFIX_VARIANTS, prefixAttentionWgsl, prefixQueryBlocks } from './hydragenAttention';

/** One prefixAttention dispatch: the listed rows' queries over one pool segment. */
export interface PrefixDispatch {
  segStart: number;
  segLen: number;
  /** Batch rows whose queries attend this segment. */
  rows: number[];
  /** Partial slot of split 0 (identical for every listed row). */
  slotBase: number;
  splitLen: number;
  /** The prefixAttention variant (queries each lane holds; the planner sizes it to the rows). */
  queriesPerLane: number;
  /** Prefill of a node over itself: list entry i sees segment keys [0, causalBase + i]. */
  causalBase?: number;
}

export interface RowSegments {
  slotBase: number;
  /** (start, length) pairs in pool slots, attended in order. */
  segments: [number, number][];
}

export interface AttentionPlan {
  rows: number;
  prefix: PrefixDispatch[];
  /** Every row 0..rows-1 attends its own segments, split by `splitLen`, when present. */
  perSequence?: { splitLen: number; rowSegments: RowSegments[] };
  /** Partials written per row (slots 0..n-1). */
  slotCount: number[];
  /** Pool slot receiving each row's new k/v, or -1. */
  kvDest: number[];
}

const UNIFORM_STRIDE = 256;
const LIST_ALIGN_WORDS = 64;
/** The kv store: each forward row's new k/v (f32) into its pool slot, rounded once when the pool is f16. */
function storeWgsl(kvType: KvType): string {
  const f16 = kvType === 'f16';
  return `${f16 ? KV_PACK_WGSL : ''}struct Params { rows: u32, rowVec4: u32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dest: array<u32>;
@group(0) @binding(4) var<storage, read_write> kPool: array<${f16 ? 'vec2<u32>' : 'vec4<f32>'}>;
@group(0) @binding(5) var<storage, read_write> vPool: array<${f16 ? 'vec2<u32>' : 'vec4<f32>'}>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= P.rows * P.rowVec4) { return; }
  let r = i / P.rowVec4;
  let d = dest[r];
  if (d == 0xffffffffu) { return; }
  let c = i % P.rowVec4;
  kPool[d * P.rowVec4 + c] = ${f16 ? 'kvPack(k[i])' : 'k[i]'};
  vPool[d * P.rowVec4 + c] = ${f16 ? 'kvPack(v[i])' : 'v[i]'};
}`;
}

type Kind = 'uniform' | 'read' | 'storage';

function layout(device: GPUDevice, kinds: Kind[]): GPUBindGroupLayout {
  return device.createBindGroupLayout({
    entries: kinds.map((k, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: k === 'uniform' ? 'uniform' : k === 'read' ? 'read-only-storage' : 'storage' },
    })),
  });
}

interface Kernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

async function kernel(device: GPUDevice, label: string, code: string, kinds: Kind[]): Promise<Kernel> {
  const bgl = layout(device, kinds);
  const module = device.createShaderModule({ label, code });
  const pipeline = await device.createComputePipelineAsync({
    label,
    layout: device.createPipelineLayout({ bindGroupLayouts: [bgl] }),
    compute: { module, entryPoint: 'main' },
  });
  return { pipeline, layout: bgl };
}

export interface TreeAttentionKernels {
  kvType: KvType;
  /** prefixAttention by queries per lane (every variant the head size allows). */
  prefix: Map<number, Kernel>;
  perSequence: Kernel;
  merge: Kernel;
  store: Kernel;
}

/**
 * Compiles the pipelines for one model shape; the first dispatch of each pays the JIT (lavapipe compiles
 * lazily, so a prefixAttention variant no plan uses costs nothing there).
 */
export async function compileTreeAttention(device: GPUDevice, shape: AttentionShape, kvType: KvType = 'f32'): Promise<TreeAttentionKernels> {
  const group = shape.numHeads / shape.numKvHeads;
  const variants = PREFIX_VARIANTS.filter((q) => q <= maxQueriesPerLane(shape.headDim));
  const attentionKinds: Kind[] = ['uniform', 'read', 'read', 'read', 'read', 'storage', 'storage'];
  const [perSequence, merge, store, ...prefix] = await Promise.all([
    kernel(device, 'perSequenceAttention', perSequenceAttentionWgsl(shape.headDim, group, kvType), attentionKinds),
    kernel(device, 'mergeByLse', mergeByLseWgsl(shape.headDim), ['uniform', 'read', 'read', 'read', 'storage']),
    kernel(device, 'kvStore', storeWgsl(kvType), ['uniform', 'read', 'read', 'read', 'storage', 'storage']),
    ...variants.map((q) => kernel(device, `prefixAttention${q}`, prefixAttentionWgsl(shape.headDim, q, kvType), attentionKinds)),
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
  private readonly uniforms: GrowBuffer;
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
    this.uniforms = new GrowBuffer(device, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'attnUniforms');
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
    const nDispatch = plan.prefix.length + 3;
    const u = new ArrayBuffer(nDispatch * UNIFORM_STRIDE);
    const put = (index: number, words: number[], floatAt: number) => {
      const w = new Uint32Array(u, index * UNIFORM_STRIDE, words.length);
      w.set(words);
      new Float32Array(u, index * UNIFORM_STRIDE, words.length)[floatAt] = words[floatAt];
    };
    this.listOffsets = [];
    let listWords = 0;
    for (const p of plan.prefix) {
      this.listOffsets.push(listWords);
      listWords += Math.ceil(Math.max(1, p.rows.length) / LIST_ALIGN_WORDS) * LIST_ALIGN_WORDS;
    }
    const lists = new Uint32Array(Math.max(1, listWords));
    plan.prefix.forEach((p, i) => {
      lists.set(p.rows, this.listOffsets[i]);
      const params = new Array<number>(PREFIX_PARAM_WORDS).fill(0);
      params.splice(0, 12, p.rows.length * group, group, numHeads, numKvHeads, p.segStart, p.segLen, p.splitLen, p.slotBase,
        this.maxSlots, p.causalBase === undefined ? 0 : 1, p.causalBase ?? 0, scale);
      put(i, params, 11);
    });
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
      const params = [numHeads, numKvHeads, ps.splitLen, stride, this.maxSlots, scale, 0, 0];
      put(plan.prefix.length, params.slice(0, PER_SEQUENCE_PARAM_WORDS), 5);
      this.device.queue.writeBuffer(this.segs.ensure(segs.byteLength), 0, segs);
    }
    put(plan.prefix.length + 1, [plan.rows, numHeads, this.maxSlots, 0].slice(0, MERGE_PARAM_WORDS), -1);
    put(plan.prefix.length + 2, [plan.rows, numKvHeads * headDim / 4, 0, 0], -1);
    const q = this.device.queue;
    q.writeBuffer(this.uniforms.ensure(u.byteLength), 0, u);
    q.writeBuffer(this.lists.ensure(lists.byteLength), 0, lists);
    q.writeBuffer(this.counts.ensure(plan.rows * 4), 0, new Uint32Array(plan.slotCount));
    q.writeBuffer(this.dests.ensure(plan.rows * 4), 0, new Uint32Array(plan.kvDest.map((d) => (d < 0 ? 0xffffffff : d))));
    const partials = plan.rows * numHeads * this.maxSlots;
    this.partO.ensure(partials * headDim * 4);
    this.partLse.ensure(partials * 4);
  }

  encode(encoder: GPUCommandEncoder, layer: number, q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, out: GPUBuffer, rows: number): void {
    const plan = this.plan!;
    const { numKvHeads, numHeads, headDim } = this.shape;
    const group = numHeads / numKvHeads;
    const dev = this.device;
    const uni = (i: number, words: number) => ({ buffer: this.uniforms.buffer, offset: i * UNIFORM_STRIDE, size: words * 4 });
    const bind = (kern: Kernel, resources: GPUBufferBinding[]) => bindGroupFor(dev, kern.layout, resources);
    const kPool = this.kPools[layer];
    const vPool = this.vPools[layer];
    const pass = encoder.beginComputePass({ label: `attention${layer}` });
    const np = plan.prefix.length;
    pass.setPipeline(this.kernels.store.pipeline);
    pass.setBindGroup(0, bind(this.kernels.store, [uni(np + 2, 4), { buffer: k }, { buffer: v }, { buffer: this.dests.buffer }, { buffer: kPool }, { buffer: vPool }]));
    pass.dispatchWorkgroups(Math.ceil((rows * numKvHeads * headDim) / 4 / 64));
    plan.prefix.forEach((p, i) => {
      const prefixKernel = this.kernels.prefix.get(p.queriesPerLane);
      if (!prefixKernel) throw new HydrapatchError('internal', `no prefixAttention variant with ${p.queriesPerLane} queries per lane at head_dim ${headDim}`);
      pass.setPipeline(prefixKernel.pipeline);
      pass.setBindGroup(0, bind(prefixKernel, [
        uni(i, PREFIX_PARAM_WORDS), { buffer: q }, { buffer: kPool }, { buffer: vPool },
        { buffer: this.lists.buffer, offset: this.listOffsets[i] * 4, size: Math.max(1, p.rows.length) * 4 },
        { buffer: this.partO.buffer }, { buffer: this.partLse.buffer },
      ]));
      pass.dispatchWorkgroups(Math.max(1, Math.ceil(p.segLen / p.splitLen)), numKvHeads, prefixQueryBlocks(p.rows.length * group, p.queriesPerLane));
    });
    if (plan.perSequence) {
      pass.setPipeline(this.kernels.perSequence.pipeline);
      pass.setBindGroup(0, bind(this.kernels.perSequence, [
        uni(np, PER_SEQUENCE_PARAM_WORDS), { buffer: q }, { buffer: kPool }, { buffer: vPool }, { buffer: this.segs.buffer },
        { buffer: this.partO.buffer }, { buffer: this.partLse.buffer },
      ]));
      pass.dispatchWorkgroups(this.perSeqSplits, numKvHeads, rows);
    }
    pass.setPipeline(this.kernels.merge.pipeline);
    pass.setBindGroup(0, bind(this.kernels.merge, [
      uni(np + 1, MERGE_PARAM_WORDS), { buffer: this.partO.buffer }, { buffer: this.partLse.buffer }, { buffer: this.counts.buffer }, { buffer: out },
    ]));
    pass.dispatchWorkgroups(Math.ceil((rows * numHeads * headDim) / 4 / 64));
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
    for (const g of [this.uniforms, this.lists, this.segs, this.counts, this.dests, this.partO, this.partLse]) g.buffer.destroy();
  }
}
