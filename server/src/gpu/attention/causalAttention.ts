// Causal attention over a contiguous KV cache, for prefill and decode alike: row r of the batch sits
// at position positions[r] and attends to cache entries 0..positions[r] (its own k/v already stored).
// One workgroup of 16 threads per (row, head); thread d holds the vec4 slices d, d+16, ... of the
// head's dimensions (q and the output accumulator live in registers). Keys go in blocks of 16: the
// threads write partial dot products
// to workgroup memory, one thread per key sums them, and every thread folds the block into an online
// softmax (running max and sum), so any context length fits. head_dim is a uniform, so loops have
// runtime bounds: an earlier version with head_dim baked into private arrays took minutes to compile
// on lavapipe (LLVM unrolled everything), once per head_dim. GQA: head h reads kv head h / (heads / kvHeads).
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import type { UniformArena } from '../buffers';
import { program, read, spread, storage, uniformSlot, type Binding, type ProgramDecl, type ProgramOf } from '../program';

const threads = 16;
const block = 16;
// A thread holds up to 4 vec4 slices of the head (d, d+16, d+32, d+48): head_dim ≤ 256.
const slices = [0, 1, 2, 3];

const uniforms = { rows: 'u32', heads: 'u32', kvHeads: 'u32', scale: 'f32', hd4: 'u32' } as const;
const bindings = { positions: read('u32'), q: read('vec4<f32>'), k: read('vec4<f32>'), v: read('vec4<f32>'), out: storage('vec4<f32>') };

/** One pipeline serves every head_dim (a multiple of 4 up to 256). */
export const causalAttentionProgram: ProgramDecl<typeof bindings, typeof uniforms> = { family: 'causalAttention', uniforms, bindings, body: () => source };

const source = /* wgsl */ `
var<workgroup> partial: array<f32, ${block * threads}>;
var<workgroup> scores: array<f32, ${block}>;
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>, @builtin(local_invocation_index) d: u32) {
  let t = wid.x + wid.y * nw.x;
  if (t >= p.rows * p.heads) { return; }
  let head = t % p.heads;
  let row = t / p.heads;
  let kvHead = head / (p.heads / p.kvHeads);
  let kvStride = p.kvHeads * p.hd4;
${slices.map((i) => `  let has${i} = d + ${i * threads}u < p.hd4;
  var q${i} = vec4<f32>(0.0);
  if (has${i}) { q${i} = q[t * p.hd4 + d + ${i * threads}u] * p.scale; }
  var acc${i} = vec4<f32>(0.0);`).join('\n')}
  var m = -3.0e38;
  var l = 0.0;
  let count = positions[row] + 1u;
  for (var base = 0u; base < count; base += ${block}u) {
    let n = min(${block}u, count - base);
    for (var j = 0u; j < n; j++) {
      let kb = (base + j) * kvStride + kvHead * p.hd4 + d;
      var s = 0.0;
${slices.map((i) => `      if (has${i}) { s += dot(q${i}, k[kb + ${i * threads}u]); }`).join('\n')}
      partial[j * ${threads}u + d] = s;
    }
    workgroupBarrier();
    if (d < n) {
      var s = 0.0;
      for (var e = 0u; e < ${threads}u; e++) { s += partial[d * ${threads}u + e]; }
      scores[d] = s;
    }
    workgroupBarrier();
    var mNew = m;
    for (var j = 0u; j < n; j++) { mNew = max(mNew, scores[j]); }
    let c = exp(m - mNew);
    l *= c;
${slices.map((i) => `    acc${i} *= c;`).join('\n')}
    for (var j = 0u; j < n; j++) {
      let w = exp(scores[j] - mNew);
      l += w;
      let vb = (base + j) * kvStride + kvHead * p.hd4 + d;
${slices.map((i) => `      if (has${i}) { acc${i} += w * v[vb + ${i * threads}u]; }`).join('\n')}
    }
    m = mNew;
    workgroupBarrier();
  }
${slices.map((i) => `  if (has${i}) { out[t * p.hd4 + d + ${i * threads}u] = acc${i} / l; }`).join('\n')}
}`;

export type CausalAttentionProgram = ProgramOf<typeof causalAttentionProgram>;

export function causalAttentionKernel(device: GPUDevice): CausalAttentionProgram {
  return program(device, causalAttentionProgram);
}

export function causalAttentionUniform(arena: UniformArena, rows: number, heads: number, kvHeads: number, headDim: number): Binding {
  return uniformSlot(arena, 'causalAttention', uniforms, { rows, heads, kvHeads, scale: 1 / Math.sqrt(headDim), hd4: headDim / 4 });
}

export function encodeCausalAttention(
  encoder: GPUCommandEncoder,
  kernel: CausalAttentionProgram,
  uniform: Binding,
  rows: number,
  heads: number,
  bufs: { positions: GPUBuffer; q: GPUBuffer; kCache: GPUBuffer; vCache: GPUBuffer; out: GPUBuffer },
): void {
  kernel.encode(encoder, uniform, { positions: bufs.positions, q: bufs.q, k: bufs.kCache, v: bufs.vCache, out: bufs.out }, ...spread(kernel.device, rows * heads));
}
