// RMSNorm: y = x / sqrt(mean(x²) + eps) · weight, one workgroup per row (sum reduced through
// workgroup memory: one reduction per row is cheap next to the matmuls). The output is written in the
// forms its readers need (see activationQuant.ts): f32, f16 pairs for the F16 matmuls that follow, or
// both; writing the f16 pairs here spares a toF16 dispatch and a pass over the row.
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { type OutputForms, pairStoreWgsl } from './activationQuant';
import { program, read, spread, storage, uniformSlot, type Binding, type BindingDecl, type ProgramDecl, type ProgramOf, type UniformValues } from './program';
import type { UniformArena } from './buffers';

const wg = 64;

const uniforms = { rows: 'u32', dim: 'u32', eps: 'f32' } as const;

/** `y`: the f32 rows, `h`: their f16 pairs, as the forms say. */
type RmsNormBindings = { x: BindingDecl; weight: BindingDecl; y?: BindingDecl; h?: BindingDecl };

export function rmsNormProgram(forms: OutputForms = 'f32'): ProgramDecl<RmsNormBindings, typeof uniforms> {
  const f32 = forms !== 'f16';
  const f16 = forms !== 'f32';
  return {
    family: 'rmsNorm',
    variant: forms,
    uniforms,
    bindings: { x: read('f32'), weight: read('f32'), ...(f32 ? { y: storage('f32') } : {}), ...(f16 ? { h: storage('u32') } : {}) },
    body: () => source(f32, f16),
  };
}

function source(f32: boolean, f16: boolean): string {
  // Pairs when f16 is written (dim is then even: F16 matmuls read whole units of 8); single values otherwise.
  const store = f16
    ? `for (var j = lane; j < p.dim / 2u; j += ${wg}u) {
    let i = base + 2u * j;
    let v = vec2<f32>(x[i] * scale, x[i + 1u] * scale) * vec2<f32>(weight[2u * j], weight[2u * j + 1u]);
    ${pairStoreWgsl(f32 ? 'y' : undefined, 'i', 'v')}
  }`
    : `for (var i = lane; i < p.dim; i += ${wg}u) { y[base + i] = (x[base + i] * scale) * weight[i]; }`;
  return /* wgsl */ `
var<workgroup> part: array<f32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = wid.x + wid.y * nw.x;
  if (row >= p.rows) { return; }
  let base = row * p.dim;
  var s = 0.0;
  for (var i = lane; i < p.dim; i += ${wg}u) { let v = x[base + i]; s += v * v; }
  part[lane] = s;
  workgroupBarrier();
  for (var stride = ${wg / 2}u; stride > 0u; stride /= 2u) {
    if (lane < stride) { part[lane] += part[lane + stride]; }
    workgroupBarrier();
  }
  let scale = 1.0 / sqrt(part[0] / f32(p.dim) + p.eps);
  ${store}
}`;
}

/** The uniform every rmsNorm variant reads (one slot serves all the norms of a forward alike in shape). */
export function rmsNormUniform(arena: UniformArena, values: UniformValues<typeof uniforms>): Binding {
  return uniformSlot(arena, 'rmsNorm', uniforms, values);
}

export type RmsNormProgram = ProgramOf<ReturnType<typeof rmsNormProgram>>;

export function rmsNormKernel(device: GPUDevice, forms: OutputForms = 'f32'): RmsNormProgram {
  return program(device, rmsNormProgram(forms));
}

/**
 * `out`: the f32 rows `y` and/or their f16 pairs `h`, as the kernel's forms (rmsNormKernel) say.
 * With `h`, dim must be even.
 */
export function encodeRmsNorm(encoder: GPUCommandEncoder, kernel: RmsNormProgram, uniform: Binding, rows: number, x: GPUBuffer, weight: GPUBuffer, out: { y?: GPUBuffer; h?: GPUBuffer }): void {
  kernel.encode(encoder, uniform, { x, weight, ...out }, ...spread(kernel.device, rows));
}
