// `npm run bench:matmul [-- --type f16] [--shape 256,1408,512] [--variants bcast,bcast.tx,r4] [--reps 4] [--rounds 3]`:
// one matmul variant at a time on a prefill-sized shape (M X rows, N weight rows, K): its cold compile
// (pipeline creation to the end of its first dispatch, Mesa's shader cache off) and its speed in GFLOP/s
// over `reps` dispatches in one command buffer, the best of `rounds` rounds that take turns over the variants. For choosing kernel shapes on this machine; compare runs
// at like loads (the load average is printed).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getGpu } from '../server/src/gpu/device';
import { createStorage, UniformArena, uploadStorage } from '../server/src/gpu/buffers';
import { uploadWeight } from '../server/src/model/weightUpload';
import { encodeMatmul, matmulKernel, matmulUniform, type MatmulProgram, type MatmulVariant } from '../server/src/gpu/matmul';
import type { WeightType } from '../server/src/gpu/gpuWeight';
import { encodeToQ8, encodeToQ8K, toQ8KKernel, toQ8Kernel, toQ8KUniform, toQ8Uniform } from '../server/src/gpu/activationQuant';
import { isKQuant } from '../server/src/model/kQuants';
import { createTexels, texelsFor, texelsReadable } from '../server/src/gpu/texels';
import { encodeTensor, randomF32 } from '../test/unit/gpu/randomTensors';

const { values } = parseArgs({
  options: {
    type: { type: 'string', default: 'f16' },
    shape: { type: 'string', default: '256,1408,512' },
    variants: { type: 'string', default: 'r4,bcast' },
    reps: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
});
process.env.MESA_SHADER_CACHE_DISABLE = 'true';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

/**
 * A variant by name: r1/r4 (per-row kernels, lanes split K), bcast (broadcast, its default tile),
 * bcastCxR (C weight rows, R X rows per lane); a `.tx` suffix reads X and W as texels (texels.ts), a
 * `.buf` suffix from storage buffers, none as the runner would on this device (Q5_K/Q6_K: X alone as texels).
 */
function variantOf(name: string, type: WeightType, subgroups: boolean, defaultTexels: boolean): MatmulVariant {
  const [base, form] = name.split('.');
  if (form !== undefined && form !== 'tx' && form !== 'buf') throw new Error(`unknown variant ${name}`);
  const texels = form === undefined ? defaultTexels : form === 'tx';
  if (base === 'r1' || base === 'r4') return { type, rows: Number(base[1]), subgroups: subgroups && base === 'r1', lanes: 8, texels };
  const b = /^bcast(?:(\d+)x(\d+))?$/.exec(base);
  if (b) return { type, rows: 1, subgroups: true, lanes: 8, broadcast: true, cols: b[1] ? Number(b[1]) : undefined, rowsPerLane: b[2] ? Number(b[2]) : undefined, texels };
  throw new Error(`unknown variant ${name}`);
}

async function main(): Promise<void> {
  const gpu = await getGpu();
  const { device } = gpu;
  const type = values.type as WeightType;
  const [M, N, K] = values.shape.split(',').map(Number);
  const reps = Number(values.reps);
  const rounds = Number(values.rounds);
  process.stdout.write(`${type} M=${M} N=${N} K=${K}, ${reps} reps; load ${loadavg()[0].toFixed(1)}\n`);
  const wTensor = encodeTensor('w', type, [N, K], randomF32(N * K, 1, 0.5));
  const w = uploadWeight(device, wTensor, { texels: false });
  const wt = texelsReadable(type) ? uploadWeight(device, wTensor, { texels: true }) : undefined;
  const xTexels = createTexels(device, 'xTexels', M * K * 4);
  // X as the matmul of this weight type reads it: f16 pairs for F16 weights, Q8_0 or Q8_K blocks (made
  // by the runner's own kernels) for Q8_0 or K-quant weights, f32 for F32 weights.
  const xValues = randomF32(M * K, 2);
  const x = uploadStorage(device, 'x', type === 'f16' ? encodeTensor('x', 'f16', [M, K], xValues).data : xValues);
  const y = createStorage(device, 'y', M * N * 4);
  const arena = new UniformArena(device);
  const kQuant = isKQuant(type);
  const xq = type === 'q8_0' || kQuant ? { x: createStorage(device, 'xq', M * K), xScales: createStorage(device, 'xd', (M * K) / 8) } : { x };
  if (xq.xScales) {
    const enc = device.createCommandEncoder();
    if (kQuant) encodeToQ8K(enc, toQ8KKernel(device), toQ8KUniform(arena, M * K), x, xq.x, xq.xScales, M * K);
    else encodeToQ8(enc, toQ8Kernel(device), toQ8Uniform(arena, M * K), x, xq.x, xq.xScales, M * K);
    arena.flush();
    device.queue.submit([enc.finish()]);
  }
  // A texels variant of a type whose weights stay in buffers (Q5_K, Q6_K) reads X alone as texels.
  const argsOf = (v: MatmulVariant) => {
    const part = (v.texels && wt ? wt : w).parts[0];
    return { M, N, K, ...xq, xTexels, w: part.data, wScales: part.scales, y };
  };
  const compiled = [];
  for (const name of values.variants.split(',')) {
    const v = variantOf(name, type, gpu.caps.subgroups, texelsFor(gpu.caps));
    const t0 = performance.now();
    const kernel = matmulKernel(device, v);
    await run(kernel, v, 1);
    compiled.push({ name, v, kernel, compileS: (performance.now() - t0) / 1000, best: Infinity });
  }
  // Rounds over all variants, each variant's best round kept: other work on a shared machine comes and goes.
  for (let round = 0; round < rounds; round++) {
    for (const c of compiled) {
      const t = performance.now();
      await run(c.kernel, c.v, reps);
      c.best = Math.min(c.best, (performance.now() - t) / 1000 / reps);
    }
  }
  for (const c of compiled) {
    const gflops = (2 * M * N * K) / c.best / 1e9;
    process.stdout.write(`${c.name.padEnd(12)} compile ${c.compileS.toFixed(1).padStart(5)} s   ${gflops.toFixed(2).padStart(6)} GFLOP/s   ${(c.best * 1000).toFixed(1)} ms/dispatch\n`);
  }
  process.stdout.write(`load ${loadavg()[0].toFixed(1)} at the end\n`);

  async function run(kernel: MatmulProgram, v: MatmulVariant, count: number): Promise<void> {
    arena.reset();
    const enc = device.createCommandEncoder();
    const args = argsOf(v);
    const u = matmulUniform(arena, type, args);
    for (let i = 0; i < count; i++) encodeMatmul(enc, kernel, v, u, args);
    arena.flush();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  }
  process.exit(0);
}

void main();
