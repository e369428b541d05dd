// Token embedding: rows of the embedding matrix (f32, f16, Q8_0 or a K-quant) gathered by token id, as f32.
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import type { WeightType } from '../model/types';
import { createKernel, dispatch, type Binding, type Kernel } from './kernel';
import { grid } from './activationQuant';
import { kValueWgsl } from './kQuantWgsl';

const wg = 64;

const element: Record<WeightType, string> = {
  f32: 'return bitcast<f32>(w[i]);',
  f16: 'return unpack2x16float(w[i / 2u])[i % 2u];',
  q8_0: 'let q = bitcast<i32>(w[i / 4u] << (24u - 8u * (i % 4u))) >> 24u; return f32(q) * scales[i / 32u];',
  q4_k: 'return kValue(i);',
  q5_k: 'return kValue(i);',
  q6_k: 'return kValue(i);',
};

export function embeddingSource(type: WeightType): string {
  return /* wgsl */ `
// This weight part holds table rows [rowStart, rowStart + partRows); tokens outside it are left alone.
struct P { rows: u32, dim: u32, rowStart: u32, partRows: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
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

export function createEmbeddingKernel(device: GPUDevice, type: WeightType): Kernel {
  return createKernel(device, `embedding_${type}`, embeddingSource(type), ['uniform', 'read', 'read', 'read', 'storage']);
}

export function embeddingUniform(rows: number, dim: number, part: { rowStart: number; rows: number }): number[] {
  return [rows, dim, part.rowStart, part.rows];
}

/** One dispatch per weight part; a token outside every part (checked before) is never read. */
export function encodeEmbedding(encoder: GPUCommandEncoder, device: GPUDevice, kernel: Kernel, uniform: Binding, rows: number, dim: number, tokens: GPUBuffer, w: GPUBuffer, scales: GPUBuffer, out: GPUBuffer): void {
  dispatch(encoder, device, kernel, [uniform, tokens, w, scales, out], ...grid(device, rows * dim, wg));
}
