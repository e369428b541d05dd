// The kernel-program layer. A kernel family declares once, per variant, its name, its uniform fields
// and its bindings (by name, with their kind and WGSL element type); from that declaration come the
// WGSL declarations prepended to the family's body (so binding numbers are never kept in step by
// hand), the bind-group layout (explicit: `layout: 'auto'` drops unused bindings and then fails
// validation), the pipeline cache key, the uniform packing (named fields into an arena slot) and the
// encode (buffers passed by name; an optional binding left out is bound to a dummy buffer).
// Every `read` binding and every `texels` binding (data in a texture, see texels.ts) is read through
// its accessor `name_at(i)`, so a family can take either kind for the same code.
import { HydrapatchError } from '../../../src/protocol/errors';
import { capabilitiesOf } from './capabilities';
import type { UniformArena } from './buffers';
import { isTexels, texelAccessorWgsl, type Texels } from './texels';

export type UniformType = 'u32' | 'i32' | 'f32';
export type Uniforms = Record<string, UniformType>;

export interface BindingDecl {
  /** `read`: var<storage, read>; `storage`: var<storage, read_write>; `texels`: a texture_2d<u32> holding Texels. */
  kind: 'read' | 'storage' | 'texels';
  /** WGSL element type: the binding is `array<type>` (texels: what `name_at(i)` returns). */
  type: string;
  /** May be left out at encode (bound to a dummy buffer then): for data a variant does not read. */
  optional?: boolean;
}
export type Bindings = Record<string, BindingDecl>;

export const read = (type: string, opts: { optional?: boolean } = {}): BindingDecl => ({ kind: 'read', type, ...opts });
export const storage = (type: string): BindingDecl => ({ kind: 'storage', type });
export const texels = (type: string): BindingDecl => ({ kind: 'texels', type });

export interface ProgramDecl<B extends Bindings = Bindings, U extends Uniforms = Uniforms> {
  /** The kernel family, e.g. `rmsNorm`. */
  family: string;
  /** What tells this variant's code and bindings apart from the family's others (with `family`: the pipeline cache key). */
  variant?: string;
  /** WGSL extensions (`subgroups`, `f16`). */
  enable?: readonly string[];
  /** Fields of `p` (the uniform struct `P`, binding 0), in order. */
  uniforms: U;
  /** Storage bindings 1, 2, ... in order. */
  bindings: B;
  /** WGSL after the declarations (entry point `main`); made only when the pipeline is first created. */
  body: () => string;
}

/** A buffer bound whole, or a window of one (uniform slots live in a shared arena buffer), or texels (for a `texels` binding). */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number } | Texels;
export type UniformValues<U extends Uniforms> = { [K in keyof U]: number };
export type BindingValues<B extends Bindings> = { [K in keyof B]?: Binding };
/** The program type of a family's declaration function's result. */
export type ProgramOf<D> = D extends ProgramDecl<infer B, infer U> ? Program<B, U> : never;

export function programKey(decl: ProgramDecl): string {
  return decl.variant ? `${decl.family}_${decl.variant}` : decl.family;
}

/** The declarations the layer prepends to a family's body: enables, `struct P`, `p` and the bindings, numbered, and the read accessors. */
export function declarationsWgsl(decl: ProgramDecl): string {
  const lines: string[] = [];
  if (decl.enable?.length) lines.push(`enable ${decl.enable.join(', ')};`);
  lines.push(`struct P { ${Object.entries(decl.uniforms).map(([name, type]) => `${name}: ${type}`).join(', ')} }`);
  lines.push('@group(0) @binding(0) var<uniform> p: P;');
  const accessors: string[] = [];
  Object.entries(decl.bindings).forEach(([name, b], i) => {
    if (b.kind === 'texels') {
      lines.push(`@group(0) @binding(${i + 1}) var ${name}: texture_2d<u32>;`);
      accessors.push(texelAccessorWgsl(name, b.type));
      return;
    }
    lines.push(`@group(0) @binding(${i + 1}) var<storage, ${b.kind === 'read' ? 'read' : 'read_write'}> ${name}: array<${b.type}>;`);
    if (b.kind === 'read') accessors.push(`fn ${name}_at(i: u32) -> ${b.type} { return ${name}[i]; }`);
  });
  return [...lines, ...accessors].join('\n');
}

function programWgsl(decl: ProgramDecl): string {
  return `${declarationsWgsl(decl)}\n${decl.body()}`;
}

/** The bind-group layout entries: the uniform at 0, then each storage binding as declared. */
export function layoutEntries(decl: ProgramDecl): GPUBindGroupLayoutEntry[] {
  const entry = (binding: number, b: BindingDecl): GPUBindGroupLayoutEntry =>
    b.kind === 'texels'
      ? { binding, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'uint' } }
      : { binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: b.kind === 'read' ? 'read-only-storage' : 'storage' } };
  return [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } }, ...Object.values(decl.bindings).map((b, i) => entry(i + 1, b))];
}

/** Bytes of a uniform slot holding `fields`: 4 a field, rounded up to 16. */
function uniformBytes(fields: Uniforms): number {
  return Math.max(16, Math.ceil((Object.keys(fields).length * 4) / 16) * 16);
}

/** The fields of a uniform struct in order (families declare theirs once, so this is kept per declaration). */
const fieldLists = new WeakMap<Uniforms, [string, UniformType][]>();

/** Writes `values` into `view` as the struct `fields` declares; a missing, unknown or unrepresentable field throws. */
function writeUniforms(label: string, fields: Uniforms, values: Record<string, number>, view: DataView): void {
  let list = fieldLists.get(fields);
  if (!list) fieldLists.set(fields, (list = Object.entries(fields)));
  let given = 0;
  for (const name in values) if (values[name] !== undefined) given++;
  for (let i = 0; i < list.length; i++) {
    const [name, type] = list[i];
    const v = values[name];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new HydrapatchError('internal', `${label}: uniform field ${name} is missing or not a number (${String(v)})`);
    if (type === 'f32') {
      view.setFloat32(i * 4, v, true);
      continue;
    }
    const [lo, hi] = type === 'u32' ? [0, 2 ** 32] : [-(2 ** 31), 2 ** 31];
    if (!Number.isInteger(v) || v < lo || v >= hi) throw new HydrapatchError('internal', `${label}: uniform field ${name} = ${v} is not a ${type}`);
    if (type === 'u32') view.setUint32(i * 4, v, true);
    else view.setInt32(i * 4, v, true);
  }
  if (given > list.length) {
    const unknown = Object.keys(values).filter((name) => !(name in fields));
    throw new HydrapatchError('internal', `${label}: uniform field ${unknown.join(', ')} is not declared (fields: ${Object.keys(fields).join(', ')})`);
  }
}

/** A slot of `arena` holding `values` as the struct `fields` declares (for a family's uniform before its program is made). */
export function uniformSlot<U extends Uniforms>(arena: UniformArena, label: string, fields: U, values: UniformValues<U>): Binding {
  return arena.slot(uniformBytes(fields), (view) => writeUniforms(label, fields, values, view));
}

export class Program<B extends Bindings = Bindings, U extends Uniforms = Uniforms> {
  readonly label: string;
  private readonly names: string[];

  constructor(
    readonly device: GPUDevice,
    readonly decl: ProgramDecl<B, U>,
    readonly pipeline: GPUComputePipeline,
    readonly layout: GPUBindGroupLayout,
  ) {
    this.label = programKey(decl);
    this.names = Object.keys(decl.bindings);
  }

  /** A slot of `arena` holding this program's uniforms. */
  uniform(arena: UniformArena, values: UniformValues<U>): Binding {
    return uniformSlot(arena, this.label, this.decl.uniforms, values);
  }

  /** One dispatch in a compute pass of its own; nothing when a count is 0. */
  encode(encoder: GPUCommandEncoder, uniform: Binding, buffers: BindingValues<B>, x: number, y = 1, z = 1): void {
    if (x === 0 || y === 0 || z === 0) return;
    const pass = encoder.beginComputePass({ label: this.label });
    this.dispatch(pass, uniform, buffers, x, y, z);
    pass.end();
  }

  /** One dispatch into an open pass (a step that encodes several kernels per layer). */
  dispatch(pass: GPUComputePassEncoder, uniform: Binding, buffers: BindingValues<B>, x: number, y = 1, z = 1): void {
    const limit = capabilitiesOf(this.device).limits.maxComputeWorkgroupsPerDimension;
    if (x > limit || y > limit || z > limit) {
      throw new HydrapatchError('gpu_dispatch_too_large', `${this.label}: dispatch ${x}×${y}×${z} exceeds the device limit of ${limit} workgroups per dimension`, 'Use a smaller batch or model.');
    }
    if (x === 0 || y === 0 || z === 0) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroupFor(this.device, this.layout, [uniform, ...this.bound(buffers)]));
    pass.dispatchWorkgroups(x, y, z);
  }

  /** The storage bindings in declaration order; optional ones left out get the dummy buffer. */
  private bound(buffers: BindingValues<B>): Binding[] {
    let given = 0;
    const out = this.names.map((name) => {
      const b = buffers[name];
      const decl = this.decl.bindings[name];
      if (b) {
        given++;
        if (isTexels(b) !== (decl.kind === 'texels')) throw new HydrapatchError('internal', `${this.label}: binding ${name} takes ${decl.kind === 'texels' ? 'texels' : 'a buffer'}, given ${isTexels(b) ? 'texels' : 'a buffer'}`);
        return b;
      }
      if (!decl.optional || decl.kind === 'texels') throw new HydrapatchError('internal', `${this.label}: binding ${name} is missing`);
      return dummyBuffer(this.device);
    });
    const unknown = Object.keys(buffers).filter((name) => buffers[name] !== undefined);
    if (unknown.length > given) {
      const names = unknown.filter((name) => !this.names.includes(name));
      throw new HydrapatchError('internal', `${this.label} has no binding ${names.join(', ')} (bindings: ${this.names.join(', ')})`);
    }
    return out;
  }
}

const programs = new WeakMap<GPUDevice, Map<string, Program>>();

/** A hit is trusted: a family's `variant` names everything its code and bindings depend on (kernels are looked up per dispatch). */
function cached(device: GPUDevice, decl: ProgramDecl): Program | undefined {
  return programs.get(device)?.get(programKey(decl));
}

function remember(device: GPUDevice, program: Program): void {
  let byKey = programs.get(device);
  if (!byKey) programs.set(device, (byKey = new Map()));
  byKey.set(program.label, program);
}

function stages(device: GPUDevice, decl: ProgramDecl): { layout: GPUBindGroupLayout; descriptor: GPUComputePipelineDescriptor } {
  const label = programKey(decl);
  const layout = device.createBindGroupLayout({ label, entries: layoutEntries(decl) });
  const module = device.createShaderModule({ label, code: programWgsl(decl) });
  return { layout, descriptor: { label, layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' } } };
}

/** The program of `decl` on `device`, created (and compiled) once per process: compiles are slow on lavapipe. */
export function program<B extends Bindings, U extends Uniforms>(device: GPUDevice, decl: ProgramDecl<B, U>): Program<B, U> {
  const hit = cached(device, decl);
  if (hit) return hit as unknown as Program<B, U>;
  const { layout, descriptor } = stages(device, decl);
  const made = new Program(device, decl, device.createComputePipeline(descriptor), layout);
  remember(device, made as unknown as Program);
  return made;
}

/** As `program`, the pipelines compiled concurrently where the device can (createComputePipelineAsync). */
export async function compileProgram<B extends Bindings, U extends Uniforms>(device: GPUDevice, decl: ProgramDecl<B, U>): Promise<Program<B, U>> {
  const hit = cached(device, decl);
  if (hit) return hit as unknown as Program<B, U>;
  const { layout, descriptor } = stages(device, decl);
  const made = new Program(device, decl, await device.createComputePipelineAsync(descriptor), layout);
  remember(device, made as unknown as Program);
  return made;
}

/** `groups` workgroups spread over x and y so that neither exceeds the per-dimension limit. */
export function spread(device: GPUDevice, groups: number): [number, number] {
  const limit = capabilitiesOf(device).limits.maxComputeWorkgroupsPerDimension;
  return groups <= limit ? [groups, 1] : [limit, Math.ceil(groups / limit)];
}

/** Workgroups for `threads` one-dimensional threads, `perGroup` a workgroup, spread as `spread` does. */
export function grid(device: GPUDevice, threads: number, perGroup: number): [number, number] {
  return spread(device, Math.ceil(threads / perGroup));
}

const dummies = new WeakMap<GPUDevice, GPUBuffer>();

/** The buffer bound where an optional binding is left out (a bind group needs every slot). */
function dummyBuffer(device: GPUDevice): GPUBuffer {
  let b = dummies.get(device);
  if (!b) dummies.set(device, (b = device.createBuffer({ label: 'dummy', size: 16, usage: GPUBufferUsage.STORAGE })));
  return b;
}

const bufferIds = new WeakMap<GPUBuffer | GPUTexture, number>();
let nextBufferId = 0;
const bindGroups = new WeakMap<GPUBindGroupLayout, Map<string, GPUBindGroup>>();
/** Bind groups kept per layout; past this the layout's are dropped (a model uses a few dozen). */
const BIND_GROUPS_PER_LAYOUT = 512;

/**
 * The bind group of `layout` over `bindings`, made once and kept: createBindGroup costs ~50-90 µs in
 * Dawn's node binding, ~3 ms for the 40-odd dispatches of a forward, and a decode step binds the same
 * buffers at the same offsets every time. Keyed by buffer (and texture) identity, so a buffer that was replaced
 * (grown, destroyed) is never bound again through an old group.
 */
function bindGroupFor(device: GPUDevice, layout: GPUBindGroupLayout, bindings: Binding[]): GPUBindGroup {
  const windows = bindings.map((b) => (isTexels(b) ? b : 'buffer' in b ? b : { buffer: b, offset: 0, size: undefined }));
  const id = (b: GPUBuffer | GPUTexture) => {
    let i = bufferIds.get(b);
    if (i === undefined) bufferIds.set(b, (i = nextBufferId++));
    return i;
  };
  const key = windows.map((w) => (isTexels(w) ? `t${id(w.texture)}` : `${id(w.buffer)}@${w.offset}+${w.size ?? '*'}`)).join(',');
  let byKey = bindGroups.get(layout);
  if (!byKey) bindGroups.set(layout, (byKey = new Map()));
  let group = byKey.get(key);
  if (!group) {
    if (byKey.size >= BIND_GROUPS_PER_LAYOUT) byKey.clear();
    group = device.createBindGroup({
      layout,
      entries: windows.map((w, binding) => ({
        binding,
        resource: isTexels(w) ? w.view : w.size === undefined ? { buffer: w.buffer, offset: w.offset } : { buffer: w.buffer, offset: w.offset, size: w.size },
      })),
    });
    byKey.set(key, group);
  }
  return group;
}
