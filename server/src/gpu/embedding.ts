// Token embedding: rows of the embedding matrix (f32, f16, Q8_0 or a K-quant; in buffers or texels) gathered by token id, as f32.
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import type { WeightType } from './gpuWeight';
import type { UniformArena } from './buffers';
import { grid, program, read, storage, texels, uniformSlot, type Binding, type ProgramDecl, type ProgramOf } from './program';
import { texelsReadable, type Texels } from './texels';
import { kValueWgsl } from './kQuantWgsl';

const wg = 64;

const element: Record<WeightType, string> = {
  f32: 'return bitcast<f32>(w_at(i));',
  f16: 'return unpack2x16float(w_at(i / 2u))[i % 2u];',
  q8_0: 'let q = bitcast<i32>(w_at(i / 4u) << (24u - 8u * (i % 4u))) >> 24u; return f32(q) * scales[i / 32u];',
  q4_k: 'return kValue(i);',
  q5_k: 'return kValue(i);',
  q6_k: 'return kValue(i);',
};

// This weight part holds table rows [rowStart, rowStart + partRows); tokens outside it are left alone.
const uniforms = { rows: 'u32', dim: 'u32', rowStart: 'u32', partRows: 'u32' } as const;
const bindings = { tokens: read('u32'), w: read('u32'), scales: read('f32', { optional: true }), out: storage('f32') };
const texelBindings = { ...bindings, w: texels('u32') };

/** `scales`: Q8_0's per-block scales (unused by the other types); `asTexels`: the table's parts are texels (texels.ts). */
export function embeddingProgram(type: WeightType, asTexels = false): ProgramDecl<typeof bindings, typeof uniforms> {
  if (asTexels && !texelsReadable(type)) throw new Error(`a ${type} embedding is read from buffers only`);
  return { family: 'embedding', variant: `${type}${asTexels ? '_tx' : ''}`, uniforms, bindings: asTexels ? texelBindings : bindings, body: () => source(type) };
}

function source(type: WeightType): string {
  return /* wgsl */ `
fn load(i: u32) -> f32 { ${element[type]} }${type === 'q4_k' || type === 'q5_k' || type === 'q6_k' ? kValueWgsl(type) : ''}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * ${wg}u;
  if (i >= p.rows * p.dim) { return; }
  let row = i / p.dim;
  let t = tokens[row];
  if (t < p.rowStart || t - p.rowStart >= p.partRows) { return; }
  out[i] = load((t - p.rowStart) * p.dim + i % p.dim);
}`;
}

export type EmbeddingProgram = ProgramOf<ReturnType<typeof embeddingProgram>>;

export function embeddingKernel(device: GPUDevice, type: WeightType, asTexels = false): EmbeddingProgram {
  return program(device, embeddingProgram(type, asTexels));
}

export function embeddingUniform(arena: UniformArena, rows: number, dim: number, part: { rowStart: number; rows: number }): Binding {
  return uniformSlot(arena, 'embedding', uniforms, { rows, dim, rowStart: part.rowStart, partRows: part.rows });
}

/** One dispatch per weight part; a token outside every part (checked before) is never read. */
export function encodeEmbedding(encoder: GPUCommandEncoder, kernel: EmbeddingProgram, uniform: Binding, rows: number, dim: number, tokens: GPUBuffer, w: GPUBuffer | Texels, scales: GPUBuffer | undefined, out: GPUBuffer): void {
  kernel.encode(encoder, uniform, { tokens, w, scales, out }, ...grid(kernel.device, rows * dim, wg));
}
