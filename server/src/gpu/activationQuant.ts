// Activations quantised the way llama.cpp's CPU backend quantises them before a matmul with Q8_0
// weights: Q8_0 blocks (scale = max|x|/127 stored as f16, int8 = round-half-even(x·127/max|x|), as
// its AVX2 path does). Matching that rounding is what lets our logits equal llama.cpp's on Q8_0
// files; it also quarters the activation bytes a matmul loads.
//
// Before a matmul with K-quant weights (Q4_K, Q5_K, Q6_K) the activations are rounded to Q8_K, as
// llama.cpp's CPU backend quantises them for its K-quant dot products (quantize_row_q8_K_ref, which its
// x86 builds use as is): per 256 values, iscale = −127/max with max the first value of largest
// magnitude (sign kept), q = min(127, round-half-even(iscale·x)), d = 1/iscale. The matmul reads the
// int8 quants (a quarter of the f32 activations' load instructions) and d, and sums integer products
// exactly, scaling them as llama.cpp does but for f32 rounding (~1e-7).
//
// Before a matmul with F16 weights the activations are rounded to f16 (packed pairs), as llama.cpp's
// AVX-512 kernels do for every F16 matmul (its AVX2 kernels only for some: within ~4e-3 of log-softmax
// either way). On lavapipe a matmul's cost is its load instructions, and X was most of them: half the
// bytes let the prefill kernel hold twice the rows per lane, ~2× the GFLOP/s (bench/matmul.ts).
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import type { WeightType } from './gpuWeight';
import type { UniformArena } from './buffers';
import { grid, program, read, storage, uniformSlot, type Binding, type ProgramDecl, type ProgramOf } from './program';

const wg = 64;

/** Four whole-valued f32 in [-128, 127] as int8 bytes of one u32, the first lowest. */
const PACK4_WGSL = `fn pack4(v: vec4<f32>) -> u32 {
  let i = vec4<i32>(v);
  return (u32(i.x) & 0xffu) | ((u32(i.y) & 0xffu) << 8u) | ((u32(i.z) & 0xffu) << 16u) | ((u32(i.w) & 0xffu) << 24u);
}`;

const toQ8Source = /* wgsl */ `
// Rounds to the nearest f16 (ties to even) by bit arithmetic: the compiler folds an
// unpack(pack(x)) round trip away. Normal f16 range only (scales below 2^-14 keep extra bits).
fn roundF16(v: f32) -> f32 {
  let b = bitcast<u32>(v);
  return bitcast<f32>((b + 0xfffu + ((b >> 13u) & 1u)) & 0xffffe000u);
}
${PACK4_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let b = gid.x + gid.y * nw.x * ${wg}u;
  if (b >= p.blocks) { return; }
  var v: array<vec4<f32>, 8>;
  var amax = 0.0;
  for (var j = 0u; j < 8u; j++) {
    v[j] = x[b * 8u + j];
    let a = abs(v[j]);
    amax = max(amax, max(max(a.x, a.y), max(a.z, a.w)));
  }
  // Plain division (correctly rounded on lavapipe): a Newton-corrected quotient needs a fused fma,
  // which SPIR-V's Fma does not promise; unfused, it moved x·scale across a rounding now and then.
  let scale = select(0.0, 127.0 / amax, amax != 0.0);
  d[b] = roundF16(amax / 127.0);
  var w: array<u32, 8>;
  for (var j = 0u; j < 8u; j++) { w[j] = pack4(round(v[j] * scale)); }
  q[2u * b] = vec4<u32>(w[0], w[1], w[2], w[3]);
  q[2u * b + 1u] = vec4<u32>(w[4], w[5], w[6], w[7]);
}`;

const toQ8KSource = /* wgsl */ `
${PACK4_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let b = gid.x + gid.y * nw.x * ${wg}u;
  if (b >= p.blocks) { return; }
  // The first value of largest magnitude, in order: a later tie of the other sign does not win.
  var top = 0.0;
  var amax = 0.0;
  for (var j = 0u; j < 64u; j++) {
    let v = x[64u * b + j];
    for (var c = 0u; c < 4u; c++) {
      if (abs(v[c]) > amax) { amax = abs(v[c]); top = v[c]; }
    }
  }
  // Plain division, as in toQ8 (a Newton correction needs a fused fma, which SPIR-V does not promise).
  let iscale = select(0.0, -127.0 / top, amax != 0.0);
  d[b] = select(0.0, 1.0 / iscale, amax != 0.0);
  for (var j = 0u; j < 64u; j++) {
    q[64u * b + j] = pack4(min(round(iscale * x[64u * b + j]), vec4<f32>(127.0)));
  }
}`;

const blocks = { blocks: 'u32' } as const;
const toQ8KBindings = { x: read('vec4<f32>'), q: storage('u32'), d: storage('f32') };
const toQ8Bindings = { x: read('vec4<f32>'), q: storage('vec4<u32>'), d: storage('f32') };
const toF16Bindings = { x: read('vec4<f32>'), h: storage('vec4<u32>') };
const toQ8KProgram: ProgramDecl<typeof toQ8KBindings, typeof blocks> = { family: 'toQ8K', uniforms: blocks, bindings: toQ8KBindings, body: () => toQ8KSource };
const toQ8Program: ProgramDecl<typeof toQ8Bindings, typeof blocks> = { family: 'toQ8', uniforms: blocks, bindings: toQ8Bindings, body: () => toQ8Source };
const toF16Program: ProgramDecl<typeof toF16Bindings, { units: 'u32' }> = { family: 'toF16', uniforms: { units: 'u32' }, bindings: toF16Bindings, body: () => toF16Source };

export function toQ8KKernel(device: GPUDevice): ProgramOf<typeof toQ8KProgram> {
  return program(device, toQ8KProgram);
}

/** x [elements] f32 → Q8_K (elements % 256 == 0): int8 quants q (4 a u32), one f32 scale d per 256. */
export function encodeToQ8K(encoder: GPUCommandEncoder, kernel: ProgramOf<typeof toQ8KProgram>, uniform: Binding, x: GPUBuffer, q: GPUBuffer, d: GPUBuffer, elements: number): void {
  kernel.encode(encoder, uniform, { x, q, d }, ...grid(kernel.device, elements / 256, wg));
}

export function toQ8KUniform(arena: UniformArena, elements: number): Binding {
  return uniformSlot(arena, 'toQ8K', blocks, { blocks: elements / 256 });
}

export function toQ8Kernel(device: GPUDevice): ProgramOf<typeof toQ8Program> {
  return program(device, toQ8Program);
}

const toF16Source = /* wgsl */ `
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let u = gid.x + gid.y * nw.x * ${wg}u;
  if (u >= p.units) { return; }
  let a = x[2u * u];
  let b = x[2u * u + 1u];
  h[u] = vec4<u32>(pack2x16float(a.xy), pack2x16float(a.zw), pack2x16float(b.xy), pack2x16float(b.zw));
}`;

export function toF16Kernel(device: GPUDevice): ProgramOf<typeof toF16Program> {
  return program(device, toF16Program);
}

/** x [elements] f32 → f16 pairs packed in u32 (elements % 8 == 0), rounded to nearest even. */
export function encodeToF16(encoder: GPUCommandEncoder, kernel: ProgramOf<typeof toF16Program>, uniform: Binding, x: GPUBuffer, h: GPUBuffer, elements: number): void {
  kernel.encode(encoder, uniform, { x, h }, ...grid(kernel.device, elements / 8, wg));
}

export function toF16Uniform(arena: UniformArena, elements: number): Binding {
  return uniformSlot(arena, 'toF16', { units: 'u32' }, { units: elements / 8 });
}

/**
 * The forms an activation is written in by the kernel that produces it: f32, f16 pairs packed in u32
 * (the form F16 matmuls read, rounded as toF16 rounds), or both. A producer that writes the f16 form
 * itself spares the toF16 dispatch and its pass over the activations.
 */
export type OutputForms = 'f32' | 'f16' | 'both';

/** The forms a set of matmul weight types reads (f16 pairs for F16 weights, f32 for the rest). */
export function formsFor(types: WeightType[]): OutputForms {
  const f16 = types.some((t) => t === 'f16');
  const f32 = types.some((t) => t !== 'f16');
  return f16 && f32 ? 'both' : f16 ? 'f16' : 'f32';
}

/** WGSL storing the pair `v` (vec2<f32>) of elements `i`, `i + 1` (i even): into the f32 array `y` when named, always into the f16 pairs `h`. */
export function pairStoreWgsl(y: string | undefined, i: string, v: string): string {
  return `${y ? `${y}[${i}] = ${v}.x; ${y}[${i} + 1u] = ${v}.y; ` : ''}h[${i} / 2u] = pack2x16float(${v});`;
}

/** x [elements] f32 → Q8_0 blocks (elements % 32 == 0): quants q (8 u32 per block), scales d. */
export function encodeToQ8(encoder: GPUCommandEncoder, kernel: ProgramOf<typeof toQ8Program>, uniform: Binding, x: GPUBuffer, q: GPUBuffer, d: GPUBuffer, elements: number): void {
  kernel.encode(encoder, uniform, { x, q, d }, ...grid(kernel.device, elements / 32, wg));
}

export function toQ8Uniform(arena: UniformArena, elements: number): Binding {
  return uniformSlot(arena, 'toQ8', blocks, { blocks: elements / 32 });
}

