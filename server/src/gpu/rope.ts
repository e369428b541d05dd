// Rotary position embedding, in place on q or k [rows, heads·headDim], each row at its own position.
// Modes: `norm` rotates adjacent pairs (x[2i], x[2i+1]) (llama.cpp's llama, GGUF-permuted Q/K),
// `neox` rotates halves (x[i], x[i+headDim/2]) (qwen2). The angles come from a cos/sin table built on
// the CPU exactly as llama.cpp builds its cache (θ = pos·base^(-2i/headDim) by repeated f32
// multiplication, divided by the pair's frequency factor where the model has them (Llama 3.1+), then
// cosf/sinf): WGSL's cos/sin are only required to be accurate to ~2^-11.
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { createStorage, type UniformArena } from './buffers';
import { grid, program, read, storage, uniformSlot, type Binding, type ProgramDecl, type ProgramOf } from './program';

const wg = 64;

/** `norm`: adjacent pairs (llama); `neox`: halves (qwen2, qwen3). */
export type RopeMode = 'norm' | 'neox';

const uniforms = { rows: 'u32', heads: 'u32', headDim: 'u32', neox: 'u32' } as const;
const bindings = { positions: read('u32'), table: read('vec2<f32>'), x: storage('f32') };

export const ropeProgram: ProgramDecl<typeof bindings, typeof uniforms> = { family: 'rope', uniforms, bindings, body: () => source };

const source = /* wgsl */ `
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let half = p.headDim / 2u;
  let t = gid.x + gid.y * nw.x * ${wg}u;
  if (t >= p.rows * p.heads * half) { return; }
  let i = t % half;
  let head = t / half;
  let row = head / p.heads;
  let cs = table[positions[row] * half + i];
  let base = head * p.headDim;
  var a = base + 2u * i;
  var b = a + 1u;
  if (p.neox != 0u) { a = base + i; b = a + half; }
  let x0 = x[a];
  let x1 = x[b];
  x[a] = x0 * cs.x - x1 * cs.y;
  x[b] = x0 * cs.y + x1 * cs.x;
}`;

export type RopeProgram = ProgramOf<typeof ropeProgram>;

export function ropeKernel(device: GPUDevice): RopeProgram {
  return program(device, ropeProgram);
}

/** [positions, headDim/2] of (cos, sin), computed as llama.cpp's rope cache does. */
export function ropeAngles(positions: number, headDim: number, base: number, freqFactors?: Float32Array): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(positions * half * 2);
  const scale = Math.fround(Math.pow(base, -2 / headDim));
  for (let p = 0; p < positions; p++) {
    let theta = Math.fround(p);
    for (let i = 0; i < half; i++) {
      const angle = freqFactors ? Math.fround(theta / freqFactors[i]) : theta;
      out[(p * half + i) * 2] = Math.cos(angle);
      out[(p * half + i) * 2 + 1] = Math.sin(angle);
      theta = Math.fround(theta * scale);
    }
  }
  return out;
}

/** The angle table on the GPU, grown (doubling) as positions grow. */
export class RopeTable {
  private buffer: GPUBuffer | undefined;
  private capacity = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly headDim: number,
    private readonly base: number,
    private readonly freqFactors?: Float32Array,
  ) {}

  /** A buffer covering positions [0, maxPosition]. */
  ensure(maxPosition: number): GPUBuffer {
    if (!this.buffer || maxPosition >= this.capacity) {
      this.capacity = Math.max(256, 2 ** Math.ceil(Math.log2(maxPosition + 1)));
      this.buffer?.destroy();
      const angles = ropeAngles(this.capacity, this.headDim, this.base, this.freqFactors);
      this.buffer = createStorage(this.device, 'ropeTable', angles.byteLength);
      this.device.queue.writeBuffer(this.buffer, 0, angles);
    }
    return this.buffer;
  }
}

export function ropeUniform(arena: UniformArena, rows: number, heads: number, headDim: number, mode: RopeMode): Binding {
  return uniformSlot(arena, 'rope', uniforms, { rows, heads, headDim, neox: mode === 'neox' ? 1 : 0 });
}

export function encodeRope(encoder: GPUCommandEncoder, kernel: RopeProgram, uniform: Binding, rows: number, heads: number, headDim: number, positions: GPUBuffer, table: GPUBuffer, x: GPUBuffer): void {
  kernel.encode(encoder, uniform, { positions, table, x }, ...grid(kernel.device, (rows * heads * headDim) / 2, wg));
}
