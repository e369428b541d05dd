// RMSNorm: y = x / sqrt(mean(x²) + eps) · weight, one workgroup per row (sum reduced through
// workgroup memory: one reduction per row is cheap next to the matmuls). The output is written in the
// forms its readers need (see activationQuant.ts): f32, f16 pairs for the F16 matmuls that follow, or
// both; writing the f16 pairs here spares a toF16 dispatch and a pass over the row.
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { capabilitiesOf } from './capabilities';
import { createKernel, dispatch, type Binding, type Kernel } from './kernel';
import { type OutputForms, pairStoreWgsl } from './activationQuant';

const wg = 64;

function source(forms: OutputForms): string {
  const f32 = forms !== 'f16';
  const f16 = forms !== 'f32';
  // Pairs when f16 is written (dim is then even: F16 matmuls read whole units of 8); single values otherwise.
  const store = f16
    ? `for (var j = lane; j < p.dim / 2u; j += ${wg}u) {
    let i = base + 2u * j;
    let v = vec2<f32>(x[i] * scale, x[i + 1u] * scale) * vec2<f32>(weight[2u * j], weight[2u * j + 1u]);
    ${pairStoreWgsl(f32 ? 'y' : undefined, 'i', 'v')}
  }`
    : `for (var i = lane; i < p.dim; i += ${wg}u) { y[base + i] = (x[base + i] * scale) * weight[i]; }`;
  return /* wgsl */ `
struct P { rows: u32, dim: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
${f32 ? `@group(0) @binding(3) var<storage, read_write> y: array<f32>;` : ''}
${f16 ? `@group(0) @binding(${f32 ? 4 : 3}) var<storage, read_write> h: array<u32>;` : ''}
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

export function createRmsNormKernel(device: GPUDevice, forms: OutputForms = 'f32'): Kernel {
  const outputs = forms === 'both' ? 2 : 1;
  return createKernel(device, `rmsNorm_${forms}`, source(forms), ['uniform', 'read', 'read', ...Array<'storage'>(outputs).fill('storage')]);
}

export function rmsNormUniform(rows: number, dim: number, eps: number): (number | { f32: number })[] {
  return [rows, dim, { f32: eps }];
}

/**
 * `out`: the f32 rows `y` and/or their f16 pairs `h`, as the kernel's forms (createRmsNormKernel) say.
 * With `h`, dim must be even.
 */
export function encodeRmsNorm(encoder: GPUCommandEncoder, device: GPUDevice, kernel: Kernel, uniform: Binding, rows: number, x: GPUBuffer, weight: GPUBuffer, out: { y?: GPUBuffer; h?: GPUBuffer }): void {
  const limit = capabilitiesOf(device).limits.maxComputeWorkgroupsPerDimension;
  const outputs = [out.y, out.h].filter((b): b is GPUBuffer => b !== undefined);
  dispatch(encoder, device, kernel, [uniform, x, weight, ...outputs], Math.min(rows, limit), Math.ceil(rows / limit));
}
