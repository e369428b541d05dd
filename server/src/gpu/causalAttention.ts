// Causal attention over a contiguous KV cache, for prefill and decode alike: row r of the batch sits
// at position positions[r] and attends to cache entries 0..positions[r] (its own k/v already stored).
// One thread per (row, head), online softmax (running max and sum) so any context length fits in
// registers; head_dim is baked into the source (private arrays need a constant size), so there is one
// pipeline per model. GQA: head h reads kv head h / (heads / kvHeads).
import { createKernel, dispatch, type Binding, type Kernel } from './kernel';
import { grid } from './activationQuant';

const lanes = 8;

export function causalAttentionSource(headDim: number): string {
  return /* wgsl */ `
const HD4 = ${headDim / 4}u;
struct P { rows: u32, heads: u32, kvHeads: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> positions: array<u32>;
@group(0) @binding(2) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(${lanes})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let t = gid.x + gid.y * nw.x * ${lanes}u;
  if (t >= p.rows * p.heads) { return; }
  let head = t % p.heads;
  let row = t / p.heads;
  let kvHead = head / (p.heads / p.kvHeads);
  let kvStride = p.kvHeads * HD4;
  var qv: array<vec4<f32>, HD4>;
  var acc: array<vec4<f32>, HD4>;
  for (var d = 0u; d < HD4; d++) { qv[d] = q[t * HD4 + d] * p.scale; acc[d] = vec4<f32>(0.0); }
  var m = -3.0e38;
  var l = 0.0;
  let last = positions[row];
  for (var j = 0u; j <= last; j++) {
    let kb = j * kvStride + kvHead * HD4;
    var s = 0.0;
    for (var d = 0u; d < HD4; d++) { s += dot(qv[d], k[kb + d]); }
    let mNew = max(m, s);
    let c = exp(m - mNew);
    let e = exp(s - mNew);
    l = l * c + e;
    for (var d = 0u; d < HD4; d++) { acc[d] = acc[d] * c + e * v[kb + d]; }
    m = mNew;
  }
  for (var d = 0u; d < HD4; d++) { out[t * HD4 + d] = acc[d] / l; }
}`;
}

export function createCausalAttentionKernel(device: GPUDevice, headDim: number): Kernel {
  return createKernel(device, `causalAttention_hd${headDim}`, causalAttentionSource(headDim), ['uniform', 'read', 'read', 'read', 'read', 'storage']);
}

/** Layout of the uniform: rows, heads, kvHeads (u32), scale (f32). */
export function causalAttentionUniform(rows: number, heads: number, kvHeads: number, headDim: number): (number | { f32: number })[] {
  return [rows, heads, kvHeads, { f32: 1 / Math.sqrt(headDim) }];
}

export function encodeCausalAttention(
  encoder: GPUCommandEncoder,
  device: GPUDevice,
  kernel: Kernel,
  uniform: Binding,
  rows: number,
  heads: number,
  bufs: { positions: GPUBuffer; q: GPUBuffer; kCache: GPUBuffer; vCache: GPUBuffer; out: GPUBuffer },
): void {
  dispatch(encoder, device, kernel, [uniform, bufs.positions, bufs.q, bufs.kCache, bufs.vCache, bufs.out], ...grid(device, rows * heads, lanes));
}

/** CPU reference: plain softmax(q·kᵀ/√d)·v per row and head, over cache entries 0..position. */
export function causalAttentionRef(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  positions: ArrayLike<number>,
  heads: number,
  kvHeads: number,
  headDim: number,
): Float32Array {
  const out = new Float32Array(q.length);
  const group = heads / kvHeads;
  for (let r = 0; r < positions.length; r++) {
    for (let h = 0; h < heads; h++) {
      const qo = (r * heads + h) * headDim;
      const kvo = Math.floor(h / group) * headDim;
      const n = positions[r] + 1;
      const scores = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let d = 0; d < headDim; d++) s += q[qo + d] * kCache[j * kvHeads * headDim + kvo + d];
        scores[j] = s / Math.sqrt(headDim);
      }
      const max = Math.max(...scores);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (scores[j] = Math.exp(scores[j] - max));
      for (let d = 0; d < headDim; d++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += scores[j] * vCache[j * kvHeads * headDim + kvo + d];
        out[qo + d] = s / sum;
      }
    }
  }
  return out;
}
