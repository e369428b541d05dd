// SwiGLU: silu(gate) · up, elementwise (silu(x) = x / (1 + e^-x), as llama.cpp), written over gate
// (f32) and/or as f16 pairs for an F16 down projection (see OutputForms in activationQuant.ts).
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { createKernel, dispatch, type Binding, type Kernel } from './kernel';
import { grid, pairStoreWgsl, type OutputForms } from './activationQuant';

const wg = 64;

function source(forms: OutputForms): string {
  const f32 = forms !== 'f16';
  const f16 = forms !== 'f32';
  const head = `struct P { count: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, ${f32 ? 'read_write' : 'read'}> gate: array<f32>;
@group(0) @binding(2) var<storage, read> up: array<f32>;
${f16 ? '@group(0) @binding(3) var<storage, read_write> h: array<u32>;' : ''}
fn swiglu(g: f32, u: f32) -> f32 { return g / (1.0 + exp(-g)) * u; }`;
  if (!f16) {
    return `${head}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * ${wg}u;
  if (i >= p.count) { return; }
  gate[i] = swiglu(gate[i], up[i]);
}`;
  }
  // One pair per thread (count is even: the f16 form feeds a matmul whose K is whole units of 8).
  return `${head}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = 2u * (gid.x + gid.y * nw.x * ${wg}u);
  if (i >= p.count) { return; }
  let v = vec2<f32>(swiglu(gate[i], up[i]), swiglu(gate[i + 1u], up[i + 1u]));
  ${pairStoreWgsl(f32 ? 'gate' : undefined, 'i', 'v')}
}`;
}

export function createSwigluKernel(device: GPUDevice, forms: OutputForms = 'f32'): Kernel {
  return createKernel(device, `swiglu_${forms}`, source(forms), ['uniform', forms === 'f16' ? 'read' : 'storage', 'read', ...(forms === 'f32' ? [] : ['storage' as const])]);
}

/** `count` elements of gate and up; `h` (the f16 pairs) when the kernel writes them (count even then). */
export function encodeSwiglu(encoder: GPUCommandEncoder, device: GPUDevice, kernel: Kernel, uniform: Binding, count: number, gate: GPUBuffer, up: GPUBuffer, h?: GPUBuffer): void {
  const threads = h ? count / 2 : count;
  dispatch(encoder, device, kernel, [uniform, gate, up, ...(h ? [h] : [])], ...grid(device, threads, wg));
}
