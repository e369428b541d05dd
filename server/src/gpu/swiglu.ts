// SwiGLU: gate ← silu(gate) · up, in place, elementwise (silu(x) = x / (1 + e^-x), as llama.cpp).
import { createKernel, dispatch, type Binding, type Kernel } from './kernel';
import { grid } from './activationQuant';

const wg = 64;

const source = /* wgsl */ `
struct P { count: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> gate: array<f32>;
@group(0) @binding(2) var<storage, read> up: array<f32>;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * ${wg}u;
  if (i >= p.count) { return; }
  let g = gate[i];
  gate[i] = g / (1.0 + exp(-g)) * up[i];
}`;

export function createSwigluKernel(device: GPUDevice): Kernel {
  return createKernel(device, 'swiglu', source, ['uniform', 'storage', 'read']);
}

export function encodeSwiglu(encoder: GPUCommandEncoder, device: GPUDevice, kernel: Kernel, uniform: Binding, count: number, gate: GPUBuffer, up: GPUBuffer): void {
  dispatch(encoder, device, kernel, [uniform, gate, up], ...grid(device, count, wg));
}

export function swigluRef(gate: Float32Array, up: Float32Array): Float32Array {
  return gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
}
