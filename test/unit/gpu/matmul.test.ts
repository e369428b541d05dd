import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import { createStorage, readBack, readF32, UniformArena, uploadStorage } from '../../../server/src/gpu/buffers';
import { uploadWeight } from '../../../server/src/model/weightUpload';
import { createTexels, isTexels, texelsReadable } from '../../../server/src/gpu/texels';
import { encodeMatmul, matmulKernel, matmulUniform, type MatmulVariant } from '../../../server/src/gpu/matmul';
import { encodeToF16, encodeToQ8, encodeToQ8K, toF16Kernel, toF16Uniform, toQ8KKernel, toQ8Kernel, toQ8KUniform, toQ8Uniform } from '../../../server/src/gpu/activationQuant';
import { QK_K, quantizeQ8K } from '../../../server/src/model/kQuants';
import { f32ToF16Bits, roundToF16 } from '../../../server/src/model/f16';
import type { WeightType } from '../../../server/src/gpu/gpuWeight';
import { encodeTensor, maxRelDiff, randomF32 } from './randomTensors';
import { matmulRef, quantizeQ8Ref } from '../../helpers/reference/kernels';

const shapes: [number, number, number][] = [
  [1, 13, 64],
  [7, 37, 96],
  [16, 8, 256],
];
/**
 * The broadcast kernel (the prefill GEMM)'s edges: rows past a block of 32 (M), weight rows past a
 * block of 8 (N), K units past a chunk of 8 (K = 96 is 12 f16 units, 24 f32 units; 224 is 28/56;
 * 200 is 25/50), and none of M, N, K a multiple of its tile.
 */
const broadcastShapes: [number, number, number][] = [
  [64, 48, 128],
  [33, 17, 96],
  [70, 40, 224],
  [37, 23, 200],
];

test('activation quantisation to Q8_0 matches the CPU reference bit for bit', async () => {
  const { device } = await getGpu();
  const k = toQ8Kernel(device);
  const arena = new UniformArena(device);
  const x = randomF32(32 * 40, 11, 3);
  x[5] = 0;
  x.fill(0, 64, 96); // an all-zero block: scale 0
  // Blocks where a Newton-corrected division (q + fma(−b, q, a)/b) rounded x·scale the other way:
  // it needs a fused fma, which SPIR-V's Fma does not promise (lavapipe's is not fused).
  const hard = randomF32(32 * 40000, 1, 3);
  for (const [to, from] of [[10, 3658], [11, 7565], [12, 31173]]) x.set(hard.subarray(32 * from, 32 * from + 32), 32 * to);
  const xb = uploadStorage(device, 'x', x);
  const q = createStorage(device, 'q', x.length);
  const d = createStorage(device, 'd', (x.length / 32) * 4);
  const enc = device.createCommandEncoder();
  encodeToQ8(enc, k, toQ8Uniform(arena, x.length), xb, q, d, x.length);
  arena.flush();
  device.queue.submit([enc.finish()]);
  const ref = quantizeQ8Ref(x);
  assert.deepEqual(Array.from(new Int8Array(await readBack(device, q, 0, x.length))), Array.from(ref.q));
  assert.deepEqual(Array.from(await readF32(device, d, x.length / 32)), Array.from(ref.d));
});

test('activation rounding to f16 matches round-to-nearest-even bit for bit', async () => {
  const { device } = await getGpu();
  const k = toF16Kernel(device);
  const arena = new UniformArena(device);
  const x = randomF32(8 * 50, 12, 4);
  // Ties (to even, both ways), the largest half, subnormal halves, zeros of both signs. (Past ±65504
  // WGSL leaves the result undefined; llama.cpp's conversion gives ±inf there.)
  x.set([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, -65504, 3e-6, -4e-8, 0, -0], 0);
  const xb = uploadStorage(device, 'x', x);
  const h = createStorage(device, 'h', x.length * 2);
  const enc = device.createCommandEncoder();
  encodeToF16(enc, k, toF16Uniform(arena, x.length), xb, h, x.length);
  arena.flush();
  device.queue.submit([enc.finish()]);
  assert.deepEqual(Array.from(new Uint16Array(await readBack(device, h, 0, x.length * 2))), Array.from(x, f32ToF16Bits));
});

for (const subgroups of [true, false]) {
  test(`matmul f32/f16/q8_0 equals the CPU reference (${subgroups ? 'subgroups' : 'portable'})`, async () => {
    const gpu = await getGpu();
    const { device } = gpu;
    if (subgroups && !gpu.caps.subgroups) return;
    const aq = toQ8Kernel(device);
    const ah = toF16Kernel(device);
    const arena = new UniformArena(device);
    for (const type of ['f32', 'f16', 'q8_0'] as WeightType[]) {
      // The runner uses the subgroup reduction for one-row (decode) matmuls, the broadcast kernel for many rows.
      // Each reading X and W from storage buffers and as texels (texels.ts).
      // The broadcast kernel's small-batch tiles (1 and 2 X rows per lane, broadcastRowsPerLane) read texels only.
      const variants = [
        ...(subgroups ? [1, 'broadcast' as const] : [1, 4]).flatMap((r) => [[r, false, undefined], [r, true, undefined]] as const),
        ...(subgroups ? ([['broadcast', true, 1], ['broadcast', true, 2]] as const) : []),
      ];
      for (const [rows, asTexels, rowsPerLane] of variants) {
        const v: MatmulVariant = rows === 'broadcast' ? { type, rows: 1, subgroups, lanes: 8, broadcast: true, texels: asTexels, rowsPerLane } : { type, rows, subgroups, lanes: 8, texels: asTexels };
        const kernel = matmulKernel(device, v);
        // Q8_0 rows are whole 32-value blocks (K = 96 and 224 end the broadcast kernel's K loop on half a chunk).
        for (const [M, N, K] of (rows === 'broadcast' ? [...shapes, ...broadcastShapes] : shapes).filter(([, , K]) => type !== 'q8_0' || K % 32 === 0)) {
          const seed = M * 1000 + N * 10 + K;
          const x = randomF32(M * K, seed, 2);
          const wt = encodeTensor('w', type, [N, K], randomF32(N * K, seed + 1, 0.5));
          const bias = randomF32(N, seed + 2);
          const prior = randomF32(M * N, seed + 3);
          // Split into parts of ~N/3 rows, as a matrix larger than one storage binding is.
          const w = uploadWeight(device, wt, { maxPartBytes: Math.ceil(N / 3) * (wt.data.byteLength / N), texels: asTexels });
          const xb = uploadStorage(device, 'x', x);
          const y = uploadStorage(device, 'y', prior);
          arena.reset();
          const enc = device.createCommandEncoder();
          let xin = xb;
          let xScales: GPUBuffer | undefined;
          let xRef = x;
          if (type === 'q8_0') {
            xin = createStorage(device, 'xq', M * K);
            xScales = createStorage(device, 'xd', (M * K) / 32 * 4);
            encodeToQ8(enc, aq, toQ8Uniform(arena, M * K), xb, xin, xScales, M * K);
            const { q, d } = quantizeQ8Ref(x);
            xRef = Float32Array.from(q, (qi, i) => qi * d[Math.floor(i / 32)]);
          } else if (type === 'f16') {
            xin = createStorage(device, 'xh', M * K * 2);
            encodeToF16(enc, ah, toF16Uniform(arena, M * K), xb, xin, M * K);
            xRef = x.map(roundToF16);
          }
          const biasBuf = uploadStorage(device, 'bias', bias);
          assert.ok(N < 3 || w.parts.length > 1);
          assert.equal(isTexels(w.parts[0].data), asTexels);
          // Larger than X: the matmul copies only X's bytes in.
          const xTexels = asTexels ? createTexels(device, 'xTexels', M * K * 4 + 4096) : undefined;
          for (const part of w.parts) {
            const args = { M, N: part.rows, K, x: xin, xScales, xTexels, w: part.data, wScales: part.scales, bias: biasBuf, accumulate: true, y, ldy: N, nOffset: part.rowStart };
            encodeMatmul(enc, kernel, v, matmulUniform(arena, type, args), args);
          }
          arena.flush();
          device.queue.submit([enc.finish()]);
          const got = await readF32(device, y, M * N);
          const want = matmulRef(xRef, M, wt, bias, prior);
          const err = maxRelDiff(got, want);
          assert.ok(err < 2e-6, `${type} ${rows === 'broadcast' ? `broadcast ${rowsPerLane ?? 4}/lane` : `rows=${rows}`}${asTexels ? ' texels' : ''} M=${M} N=${N} K=${K}: max rel diff ${err}`);
        }
      }
    }
  });
}

// K-quant weights: activations quantised to Q8_K (by the GPU's toQ8K, bit-exact to ggml's reference:
// activationQ8K.test.ts), the raw super-blocks dequantised in the kernel. Row lengths of
// 1-3 super-blocks; N past a block of 8 columns; parts split by rows as for large matrices.
const kShapes: [number, number, number][] = [
  [1, 13, 256],
  [5, 37, 512],
  [4, 8, 768],
];
/** The broadcast kernel's edges: M past a block of 32 rows, N past a block of 8 weight rows. */
const kBroadcastShapes: [number, number, number][] = [
  [33, 17, 512],
  [70, 9, 256],
];

for (const subgroups of [true, false]) {
  test(`matmul q4_k/q5_k/q6_k equals the CPU reference (${subgroups ? 'subgroups' : 'portable'})`, async () => {
    const gpu = await getGpu();
    const { device } = gpu;
    if (subgroups && !gpu.caps.subgroups) return;
    const arena = new UniformArena(device);
    const toQ8K = toQ8KKernel(device);
    for (const type of ['q4_k', 'q5_k', 'q6_k'] as WeightType[]) {
      // The kernels differ by type only in the unit's decoding: the portable R=1 variant (decode
      // without subgroups) is compiled for one type, to keep the cold compiles of this test down.
      // X as texels (texels.ts; Q4_K's weights too, the others' stay in buffers): the broadcast kernel of every type, R=1 of Q4_K.
      const variants = [
        ...(subgroups ? [1, 'broadcast' as const] : type === 'q5_k' ? [1, 4] : [4]).flatMap((r) => (subgroups && (r === 'broadcast' || type === 'q4_k') ? [[r, false, undefined], [r, true, undefined]] as const : [[r, false, undefined]] as const)),
        // The small-batch tiles (broadcastRowsPerLane), for one type.
        ...(subgroups && type === 'q4_k' ? ([['broadcast', true, 1], ['broadcast', true, 2]] as const) : []),
      ];
      for (const [rows, asTexels, rowsPerLane] of variants) {
        const v: MatmulVariant = rows === 'broadcast' ? { type, rows: 1, subgroups, lanes: 8, broadcast: true, texels: asTexels, rowsPerLane } : { type, rows, subgroups, lanes: 8, texels: asTexels };
        const kernel = matmulKernel(device, v);
        for (const [M, N, K] of rows === 'broadcast' ? [...kShapes, ...kBroadcastShapes] : kShapes) {
          const seed = M * 1000 + N * 10 + K;
          const x = randomF32(M * K, seed, 2);
          const wt = encodeTensor('w', type, [N, K], randomF32(N * K, seed + 1, 0.5));
          const bias = randomF32(N, seed + 2);
          const prior = randomF32(M * N, seed + 3);
          const w = uploadWeight(device, wt, { maxPartBytes: Math.ceil(N / 3) * (wt.data.byteLength / N + (type === 'q6_k' ? (2 * K) / 256 : 0)), texels: asTexels && texelsReadable(type) });
          assert.ok(w.parts.length > 1);
          const y = uploadStorage(device, 'y', prior);
          const xb = uploadStorage(device, 'x', x);
          const xq = createStorage(device, 'xq', M * K);
          const xd = createStorage(device, 'xd', (M * K) / QK_K * 4);
          const biasBuf = uploadStorage(device, 'bias', bias);
          arena.reset();
          const enc = device.createCommandEncoder();
          encodeToQ8K(enc, toQ8K, toQ8KUniform(arena, M * K), xb, xq, xd, M * K);
          for (const part of w.parts) {
            const args = { M, N: part.rows, K, x: xq, xScales: xd, xTexels: asTexels ? createTexels(device, 'xTexels', M * K) : undefined, w: part.data, bias: biasBuf, accumulate: true, y, ldy: N, nOffset: part.rowStart };
            encodeMatmul(enc, kernel, v, matmulUniform(arena, type, args), args);
          }
          arena.flush();
          device.queue.submit([enc.finish()]);
          const { q, d } = quantizeQ8K(x);
          const xRef = Float32Array.from(q, (qi, i) => qi * d[Math.floor(i / QK_K)]);
          const err = maxRelDiff(await readF32(device, y, M * N), matmulRef(xRef, M, wt, bias, prior));
          assert.ok(err < 2e-6, `${type} ${rows === 'broadcast' ? `broadcast ${rowsPerLane ?? 4}/lane` : `rows=${rows}`}${asTexels ? ' texels' : ''} M=${M} N=${N} K=${K}: max rel diff ${err}`);
        }
      }
    }
  });
}
