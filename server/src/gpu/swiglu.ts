// SwiGLU: silu(gate) · up, elementwise (silu(x) = x / (1 + e^-x), as llama.cpp), written over gate
// (f32) and/or as f16 pairs for an F16 down projection (see OutputForms in activationQuant.ts).
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { pairStoreWgsl, type OutputForms } from './activationQuant';
import type { UniformArena } from './buffers';
import { grid, program, read, storage, uniformSlot, type Binding, type BindingDecl, type ProgramDecl, type ProgramOf } from './program';

const wg = 64;
const uniforms = { count: 'u32' } as const;

/** `gate` is overwritten with the result when f32 is written. */
type SwigluBindings = { gate: BindingDecl; up: BindingDecl; h?: BindingDecl };

export function swigluProgram(forms: OutputForms = 'f32'): ProgramDecl<SwigluBindings, typeof uniforms> {
  const f32 = forms !== 'f16';
  return {
    family: 'swiglu',
    variant: forms,
    uniforms,
    bindings: { gate: f32 ? storage('f32') : read('f32'), up: read('f32'), ...(forms !== 'f32' ? { h: storage('u32') } : {}) },
    body: () => source(forms),
  };
}

function source(forms: OutputForms): string {
  const f32 = forms !== 'f16';
  const f16 = forms !== 'f32';
  const head = `fn swiglu(g: f32, u: f32) -> f32 { return g / (1.0 + exp(-g)) * u; }`;
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

export type SwigluProgram = ProgramOf<ReturnType<typeof swigluProgram>>;

export function swigluKernel(device: GPUDevice, forms: OutputForms = 'f32'): SwigluProgram {
  return program(device, swigluProgram(forms));
}

export function swigluUniform(arena: UniformArena, count: number): Binding {
  return uniformSlot(arena, 'swiglu', uniforms, { count });
}

/** `count` elements of gate and up; `h` (the f16 pairs) when the kernel writes them (count even then). */
export function encodeSwiglu(encoder: GPUCommandEncoder, kernel: SwigluProgram, uniform: Binding, count: number, gate: GPUBuffer, up: GPUBuffer, h?: GPUBuffer): void {
  const threads = h ? count / 2 : count;
  kernel.encode(encoder, uniform, { gate, up, h }, ...grid(kernel.device, threads, wg));
}
