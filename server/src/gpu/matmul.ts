// Y[M,N] (+)= X[M,K] · Wᵀ (+ bias), W stored [N,K] row-major as f32, f16, Q8_0 or a K-quant,
// dequantised in the kernel. Activations are f32, except for Q8_0 weights (they arrive as Q8_0 blocks,
// multiplied as integers as llama.cpp does) and F16 weights (they arrive rounded to f16, packed in
// pairs): see activationQuant.ts.
//
// Why this shape on lavapipe: every load instruction costs about the same whether its 8 lanes read one
// address or eight, so the lanes of a workgroup split K (each lane loads a different unit of the X
// rows and of the W rows: no lane ever re-loads what another loaded), each lane keeps an R×C block of
// partial sums in registers, and one reduction across the lanes at the end gives the outputs. With
// `subgroups` (workgroup = one subgroup) the reduction is `subgroupAdd`; the portable path reduces
// through workgroup memory. Shapes are uniforms: one pipeline per (weight type, R) serves every matmul.
//
// For many X rows (batched decode, prefill) with subgroups, the `broadcast` variant
// does better (2-2.4× measured at M=64..128 on lavapipe): it is Hydragen's prefix kernel without the
// softmax, a GEMM tiled by registers. Each lane owns a few rows of X and computes their whole dot
// products (no reduction across lanes); the 8 lanes walk BROADCAST_COLS weight rows together, each
// lane loading one unit of every weight row per chunk of 8 units and sharing it with subgroupBroadcast.
// Its tile (weight rows × X rows per lane) was chosen with bench/matmul.ts at M=256, N=1408, K=512 (f16,
// lavapipe, 2 cores): with f16 X, 8×4 ran ~2× the old 8×2 with f32 X; 8×2 1.7×, 16×2 and 8×6 less,
// 4×8, 8×8, 32×2 slower still, and 8×8 compiled in over 40 s. Workgroup-shared tiles lose here:
// lavapipe performs each shared-memory load lane by lane, as it does buffer loads.
// Why (Mesa 25's gallivm, lp_bld_nir_soa.c emit_load_mem): a load whose address the divergence
// analysis proves uniform is one bounds-checked scalar load per component, broadcast; any other load
// is a loop over the 8 lanes with a branch and bounds check per lane and component (shared memory in
// control flow too). So a value each lane needs its own copy of costs ~25 instructions per 8-wide
// vector however it is fetched, and a tile's overhead per FMA is about 28/C (X, lane-specific, reused
// over C weight rows) + 5.5/R (W, broadcast, reused over R X rows): 8×4 sits near the best that
// register room (R·C accumulators) allows; 16-lane subgroups (LP_NATIVE_VECTOR_WIDTH=512) ran slower
// with these buffer loads (with texels they ran faster: below).
// A "uniform-X" tile (every lane reads the same X rows, whose loads are then the cheap uniform kind, and
// its own weight rows) was tried too: F16 at best equal to this one (8 X rows × 4 weight rows per lane,
// 14 vs 13-15 GFLOP/s), K-quants slower (each lane decodes its units once per X row).
// Texels (texels.ts) sidestep that per-lane loop: a textureLoad is one straight gather of 16 bytes a
// lane, so with X and W bound as texels (`texels` variants, F32/F16/Q8_0/Q4_K: the runner's choice on CPU
// devices) the same tile ran, at M=256, N=1408, K=512: F16 13.6 → 17.8 GFLOP/s, F32 8.6 → 16.7, Q8_0
// 17.2 → 18.4; at M=32 F16 12.9 → 18.8; the per-row kernel F16 r1 4.0 → 4.2, Q8_0 3.5 → 5.0; and
// every texel variant compiled in about half the time. The tile stays best with texels (R=4, C=8:
// 18.7; 8×8 18.6, 6×8 18.5, 8×4 16.4, 4×16 15.1). Also tried with texels and not kept: vec4
// accumulators (products summed per component, one horizontal add at the end: 15.5 vs 19.3 at this
// tile, 10-12 at smaller ones), weight units unpacked before their broadcast (no gain). Next lever,
// measured but not taken: lavapipe with LP_NATIVE_VECTOR_WIDTH=512 (16-lane subgroups) on an AVX-512
// CPU ran this kernel generalised to 16 lanes (chunks of 16 units, same 8×4 tile) 1.1-1.35× faster
// than 8 lanes at 256 bits, in alternating runs (F16 16.6-20.5 vs 14.1-17.3 GFLOP/s; compile 9 s),
// but the width is one per process: every 8-lane kernel (attention) would idle half of each vector
// until it too takes 16 lanes, and AVX2-only CPUs must keep 256.
// Quantised weights gain the most: a lane decodes its weight unit once and every lane reads it, and
// their int8 activations (Q8_0, Q8_K) are half the load instructions of F16's: M=256, N=1408, K=512,
// Q8_0 ran 17 GFLOP/s (2.3× the per-row kernel), Q4_K 14.5 (3.6×), Q6_K 11.5 (5×), F16 13-15, on
// lavapipe, 2 cores (with Q8_K read as f32 values, Q4_K ran 8.9 and Q6_K 5.3).
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { unitOf, type WeightType } from './gpuWeight';
import type { UniformArena } from './buffers';
import { program, read, storage, texels, uniformSlot, type Binding, type BindingDecl, type ProgramDecl, type ProgramOf } from './program';
import { encodeCopyToTexels, isTexels, texelsReadable, type Texels } from './texels';
import { BYTE_AT_WGSL, K4_SCALE_MIN_WGSL, K4_SCALES_WGSL, kBlockWords } from './kQuantWgsl';

/** Columns (weight rows) per workgroup. */
export const matmulCols = 8;

export interface MatmulVariant {
  type: WeightType;
  /** X rows per workgroup: 1 for matrix-vector (decode), 4 for prefill. */
  rows: number;
  /** Reduce with subgroupAdd (workgroup = one subgroup of `lanes`), else through workgroup memory. */
  subgroups: boolean;
  /** Lanes per workgroup (the subgroup size on the subgroup path). */
  lanes: number;
  /** The broadcast kernel (needs subgroups of 8 lanes; `rows` is then ignored). */
  broadcast?: boolean;
  /** X bound as texels (texels.ts); F32, F16, Q8_0 and Q4_K weights too (their parts are then Texels; Q5_K and Q6_K weights stay in buffers). */
  texels?: boolean;
  /** Broadcast kernel only, for trying tiles (bench/matmul.ts): weight rows per workgroup and X rows per lane (defaults: BROADCAST_COLS, the type's). */
  cols?: number;
  rowsPerLane?: number;
}

/** Broadcast variant: weight rows per workgroup, K units per chunk (X rows per lane: per type, below). */
export const BROADCAST_COLS = 8;
const BROADCAST_CHUNK = 8;
/** X rows from which the runner uses the broadcast variant (below, the per-row kernels). */
export const BROADCAST_MIN_ROWS = 8;

/**
 * X rows per lane of the broadcast kernel for a matmul of M rows: the type's (4) from 32 rows, fewer
 * below, where a workgroup's 32 rows would mostly idle. Measured with bench/matmul.ts at N=1408,
 * K=512 (texels, lavapipe): M=16, 2 per lane over 4: F16 11.6 vs 7.6 GFLOP/s, Q8_0 13.1 vs 8.3, Q4_K
 * 6.9 vs 5.2; M=8, 1 per lane over the per-row R=4 kernel: F16 8.8 vs 7.5, Q8_0 10.9 vs 6.9, Q4_K 7.5
 * vs 4.9; at M=32 and 64, 4 per lane stays best (F16 15.3 vs 13.2, 18.4 vs 16.2).
 */
export function broadcastRowsPerLane(M: number): number | undefined {
  return M >= 32 ? undefined : M >= 16 ? 2 : 1;
}

/** Four int8 in a u32 (the first lowest) as f32, and eight in two. */
const I8_WGSL = `
struct X8 { a: vec4<f32>, b: vec4<f32> }
fn i8x4(v: u32) -> vec4<f32> {
  return vec4<f32>(vec4<i32>(bitcast<i32>(v << 24u), bitcast<i32>(v << 16u), bitcast<i32>(v << 8u), bitcast<i32>(v)) >> vec4<u32>(24u));
}
fn i8x8(v: vec2<u32>) -> X8 { return X8(i8x4(v.x), i8x4(v.y)); }`;

// K-quants: a unit is 8 consecutive values of one sub-block (32 units per super-block, a row being
// whole super-blocks), read from the raw blocks (layouts in model/kQuants.ts; u32 offsets below) and
// multiplied with the activations' Q8_K quants (8 int8 a unit, one f32 scale d per super-block):
// d·(scale·Σ q8·q − min·Σ q8), the integer sums exact in f32, with the block's f16 d, dmin applied to
// the integer scales first, as ggml's dequantisation does.
const K_COMMON = `${I8_WGSL}
struct XU { q: X8, d: f32 }
fn loadX(i: u32) -> XU { return XU(i8x8(x_at(i)), xd[i / 32u]); }
// The broadcast kernel's X: the quants alone (its chunks of 8 units share one super-block's d).
fn loadXz(i: u32, ok: bool) -> X8 { return i8x8(select(vec2<u32>(0u), x_at(i), ok)); }
// The four bytes of v, each shifted right by sh and masked, as f32.
fn bits4(v: u32, sh: u32, mask: u32) -> vec4<u32> { return (vec4<u32>(v, v >> 8u, v >> 16u, v >> 24u) >> vec4<u32>(sh)) & vec4<u32>(mask); }
fn sum8(a: X8) -> f32 { return dot(a.a, vec4<f32>(1.0)) + dot(a.b, vec4<f32>(1.0)); }`;

// The broadcast kernel's K-quant unit: the 8 quants as f32 (small integers, exact), the unit's scale
// and min, decoded once by the lane that loads it; every lane then computes dotU's arithmetic with it.
const K_UNIT = `struct KB { a: vec4<f32>, b: vec4<f32>, s: f32, m: f32 }`;

function kQuantCode(type: 'q4_k' | 'q5_k' | 'q6_k', asTexels = false): string {
  if (type === 'q6_k') {
    return `${K_COMMON}${BYTE_AT_WGSL}
struct WU { ql: vec2<u32>, qh: vec2<u32>, lsh: u32, hsh: u32, s: f32 }
// 53 u32 per (padded) block: ql at 0, qh at 32, scales at byte 192, d at u32 52.
fn loadW(g: u32) -> WU {
  let base = (g >> 5u) * ${kBlockWords.q6_k}u;
  let e = (g & 31u) * 8u;
  let n = e >> 7u;
  let t = (e >> 5u) & 3u;
  let l = e & 31u;
  let li = base + 16u * n + 8u * (t & 1u) + l / 4u;
  let hi = base + 32u + 8u * n + l / 4u;
  let sc = f32(bitcast<i32>(byteAt(base, 192u + 8u * n + l / 16u + 2u * t) << 24u) >> 24u);
  return WU(vec2<u32>(w_at(li), w_at(li + 1u)), vec2<u32>(w_at(hi), w_at(hi + 1u)), (t >> 1u) * 4u, 2u * t, unpack2x16float(w_at(base + 52u)).x * sc);
}
fn q6(lo: u32, hi: u32, b: WU) -> vec4<f32> { return vec4<f32>(bits4(lo, b.lsh, 0xfu) | (bits4(hi, b.hsh, 3u) << vec4<u32>(4u))) - vec4<f32>(32.0); }
fn dotU(a: XU, b: WU) -> f32 { return a.d * (b.s * (dot(a.q.a, q6(b.ql.x, b.qh.x, b)) + dot(a.q.b, q6(b.ql.y, b.qh.y, b)))); }
${K_UNIT}
fn unitKB(g: u32) -> KB { let b = loadW(g); return KB(q6(b.ql.x, b.qh.x, b), q6(b.ql.y, b.qh.y, b), b.s, 0.0); }`;
  }
  const q5 = type === 'q5_k';
  const unit = `fn qv(q: u32, h: u32, b: WU) -> vec4<f32> { return vec4<f32>(bits4(q, b.sh, 0xfu)${q5 ? ' | (bits4(h, b.hb, 1u) << vec4<u32>(4u))' : ''}); }
fn dotU(a: XU, b: WU) -> f32 { return a.d * (b.s * (dot(a.q.a, qv(b.q.x, b.h.x, b)) + dot(a.q.b, qv(b.q.y, b.h.y, b))) - b.m * sum8(a.q)); }
${K_UNIT}
fn unitKB(g: u32) -> KB { let b = loadW(g); return KB(qv(b.q.x, b.h.x, b), qv(b.q.y, b.h.y, b), b.s, b.m); }`;
  if (asTexels) {
    if (q5) throw new Error('Q5_K weights are read from buffers only');
    // Q4_K as texels (vec4<u32>, 9 a block): d, dmin and the 12 scale bytes are texel 0, the unit's 8
    // quants half of texel 1 + 2·(j/2) + (v&3)/2: two texel loads a unit, where a buffer takes five words.
    return `${K_COMMON}${K4_SCALES_WGSL}
struct WU { q: vec2<u32>, h: vec2<u32>, sh: u32, hb: u32, s: f32, m: f32 }
fn loadW(g: u32) -> WU {
  let t0 = (g >> 5u) * 9u;
  let v = g & 31u;
  let j = v >> 2u;
  let hd = w_at(t0);
  let qt = w_at(t0 + 1u + 2u * (j >> 1u) + ((v & 3u) >> 1u));
  let dm = unpack2x16float(hd.x);
  let sm = scaleMinOf(hd.yzw, j);
  return WU(select(qt.xy, qt.zw, (v & 1u) != 0u), vec2<u32>(0u), (j & 1u) * 4u, 2u * (j >> 1u) + (j & 1u), dm.x * sm.x, dm.y * sm.y);
}
${unit}`;
  }
  // Q5_K: 44 u32 per block, qh (32 bytes) at u32 4, qs at u32 12. Q4_K: 36 u32, qs at u32 4.
  return `${K_COMMON}${BYTE_AT_WGSL}${K4_SCALE_MIN_WGSL}
struct WU { q: vec2<u32>, h: vec2<u32>, sh: u32, hb: u32, s: f32, m: f32 }
fn loadW(g: u32) -> WU {
  let base = (g >> 5u) * ${kBlockWords[type]}u;
  let v = g & 31u;
  let j = v >> 2u;
  let o = (v & 3u) * 8u;
  let qi = base + ${q5 ? 12 : 4}u + 8u * (j >> 1u) + o / 4u;
  let dm = unpack2x16float(w_at(base));
  let sm = scaleMin(base, j);
  ${q5 ? 'let h = vec2<u32>(w_at(base + 4u + o / 4u), w_at(base + 5u + o / 4u));' : 'let h = vec2<u32>(0u);'}
  return WU(vec2<u32>(w_at(qi), w_at(qi + 1u)), h, (j & 1u) * 4u, 2u * (j >> 1u) + (j & 1u), dm.x * sm.x, dm.y * sm.y);
}
${unit}`;
}

/** The type's WGSL for variant `v` (Q4_K read as texels has its own unit load). */
function typeCodeOf(v: MatmulVariant): string {
  return v.texels && v.type === 'q4_k' ? kQuantCode('q4_k', true) : typeCode[v.type];
}

const typeCode: Record<WeightType, string> = {
  f32: `
alias XU = vec4<f32>;
alias WU = vec4<f32>;
fn loadX(i: u32) -> XU { return x_at(i); }
fn loadW(i: u32) -> WU { return w_at(i); }
fn dotU(a: XU, b: WU) -> f32 { return dot(a, b); }
fn loadXz(i: u32, ok: bool) -> XU { return select(vec4<f32>(0.0), x_at(i), ok); }`,
  f16: `
struct X8 { a: vec4<f32>, b: vec4<f32> }
alias XU = X8;
alias WU = vec4<u32>;
fn h4(a: u32, b: u32) -> vec4<f32> { return vec4<f32>(unpack2x16float(a), unpack2x16float(b)); }
fn halves(v: vec4<u32>) -> X8 { return X8(h4(v.x, v.y), h4(v.z, v.w)); }
fn loadX(i: u32) -> XU { return halves(x_at(i)); }
fn loadW(i: u32) -> WU { return w_at(i); }
fn dotU(a: XU, b: WU) -> f32 { return dot(a.a, h4(b.x, b.y)) + dot(a.b, h4(b.z, b.w)); }
fn loadXz(i: u32, ok: bool) -> XU { return halves(select(vec4<u32>(0u), x_at(i), ok)); }`,
  q8_0: `
struct Q8 { lo: vec4<u32>, hi: vec4<u32>, d: f32 }
alias XU = Q8;
alias WU = Q8;
fn loadX(i: u32) -> XU { return Q8(x_at(2u * i), x_at(2u * i + 1u), xd[i]); }
fn loadW(i: u32) -> WU { return Q8(w_at(2u * i), w_at(2u * i + 1u), wd[i]); }
${I8_WGSL}
fn dot4(a: vec4<u32>, b: vec4<u32>) -> f32 {
  return dot(i8x4(a.x), i8x4(b.x)) + dot(i8x4(a.y), i8x4(b.y)) + dot(i8x4(a.z), i8x4(b.z)) + dot(i8x4(a.w), i8x4(b.w));
}
// Integer products summed in f32 are exact here (|sum| ≤ 32·127² < 2^24), then scaled once per block.
fn dotU(a: XU, b: WU) -> f32 { return (dot4(a.lo, b.lo) + dot4(a.hi, b.hi)) * (a.d * b.d); }`,
  q4_k: kQuantCode('q4_k'),
  q5_k: kQuantCode('q5_k'),
  q6_k: kQuantCode('q6_k'),
};

const STORE_WGSL = `fn store(m: u32, n: u32, s: f32) {
  if (m >= p.M || n >= p.N) { return; }
  var v = s;
  if ((p.flags & 1u) != 0u) { v += bias[p.nOffset + n]; }
  let o = m * p.ldy + p.nOffset + n;
  if ((p.flags & 2u) != 0u) { v += y[o]; }
  y[o] = v;
}`;

/**
 * Per weight type of the broadcast kernel. A broadcast unit is 4 (f32) or 8 values; each lane loads
 * its own weight unit and decodes it once (to f32, or to small integers with their scales), and every
 * lane reads each lane's decoded unit through subgroupBroadcast: decoding costs once per unit, not
 * once per X row it meets.
 */
interface BroadcastType {
  /** X rows each lane owns (measured, see the top of the file). */
  rowsPerLane: number;
  /** WGSL: bindings and helpers (default: the type's `typeCode`). */
  code?: string;
  /** Broadcast units per unit of the uniform's Ku (Q8_0: a 32-value block is 4 units of 8). */
  unitsPerKu?: number;
  /** The lane's decoded weight unit `w` at unit index `g`. */
  load: (g: string) => string;
  /** Lane i's decoded unit, for every lane. */
  unit: (i: number) => string;
  /** What a unit of X row r, unit i, adds to its accumulator with weight unit `w`. */
  dot: (x: string, w: string, xs: string) => string;
  /** Per X unit, a value `dot` needs beside it (K-quants: the sum of the unit's values, for the min term). */
  xSum?: (x: string) => string;
  /**
   * Quantised X (and Q8_0 weights): units per block, whose dots are summed (exactly: integers) and then
   * scaled by the X unit's scale and the weight unit's (none for K-quants: `dot` applies theirs).
   */
  block?: { units: number; xScale: (unit: string) => string; wScale?: (unit: string) => string };
}
const bc = (field: string, i: number) => `subgroupBroadcast(w${field}, ${i}u)`;
const X8_DOT = (x: string, w: string) => `dot(${x}.a, ${w}.a) + dot(${x}.b, ${w}.b)`;
// K-quants: scale × integer dot, minus min × the X unit's integer sum, summed over a chunk of 8 units
// (one super-block of X, 32 units, holds whole chunks) and then scaled by X's d.
const kQuantBroadcast = (withMin: boolean): BroadcastType => ({
  rowsPerLane: 4,
  load: (g) => `unitKB(${g})`,
  unit: (i) => `KB(${bc('.a', i)}, ${bc('.b', i)}, ${bc('.s', i)}, ${withMin ? bc('.m', i) : '0.0'})`,
  dot: (x, w, xs) => `${w}.s * (${X8_DOT(x, w)})${withMin ? ` - ${w}.m * ${xs}` : ''}`,
  xSum: withMin ? (x) => `sum8(${x})` : undefined,
  block: { units: BROADCAST_CHUNK, xScale: (u) => `xd[(${u}) / 32u]` },
});
const broadcastTypes: Record<WeightType, BroadcastType> = {
  f32: { rowsPerLane: 4, load: (g) => `loadW(${g})`, unit: (i) => bc('', i), dot: (x, w) => `dot(${x}, ${w})` },
  f16: {
    rowsPerLane: 4,
    load: (g) => `loadW(${g})`,
    unit: (i) => `X8(h4(${bc('.x', i)}, ${bc('.y', i)}), h4(${bc('.z', i)}, ${bc('.w', i)}))`,
    dot: (x, w) => X8_DOT(x, w),
  },
  // Q8_0 in units of 8 int8 (two u32), both sides converted to f32 integers once per load: the dot of
  // a block's 32 products is exact in f32 (< 2^24), then scaled once, as the per-row kernel does.
  q8_0: {
    rowsPerLane: 4,
    code: `${I8_WGSL}
fn loadXz(i: u32, ok: bool) -> X8 { return i8x8(select(vec2<u32>(0u), x_at(i), ok)); }
fn loadW(i: u32) -> X8 { return i8x8(w_at(i)); }`,
    unitsPerKu: 4,
    load: (g) => `loadW(${g})`,
    unit: (i) => `X8(${bc('.a', i)}, ${bc('.b', i)})`,
    dot: (x, w) => X8_DOT(x, w),
    block: { units: 4, xScale: (u) => `xd[(${u}) / 4u]`, wScale: (u) => `wd[(${u}) / 4u]` },
  },
  q4_k: kQuantBroadcast(true),
  q5_k: kQuantBroadcast(true),
  q6_k: kQuantBroadcast(false),
};

/** Weight rows and X rows one workgroup of the broadcast kernel covers. */
function broadcastTile(v: MatmulVariant): { cols: number; rowsPerLane: number } {
  return { cols: v.cols ?? BROADCAST_COLS, rowsPerLane: v.rowsPerLane ?? broadcastTypes[v.type].rowsPerLane };
}

/**
 * The broadcast variant: workgroup (column block, row block) = BROADCAST_COLS weight rows × 8 lanes ×
 * rowsPerLane X rows. Per chunk of 8 units each lane loads its rows' 8 units (units past K read as
 * zero) and one unit of each weight row, which subgroupBroadcast hands to every lane.
 */
function broadcastSource(v: MatmulVariant): string {
  const t = broadcastTypes[v.type];
  const { cols: C, rowsPerLane: R } = broadcastTile(v);
  const U = BROADCAST_CHUNK;
  const B = t.block?.units ?? U;
  if (U % B !== 0) throw new Error(`a chunk of ${U} units must hold whole blocks of ${B}`);
  const L: string[] = [];
  const e = (s: string) => L.push(s);
  const rows = Array.from({ length: R }, (_, r) => r);
  e(`${t.code ?? typeCodeOf(v)}
${STORE_WGSL}

@compute @workgroup_size(${U})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let Ku = p.Ku * ${t.unitsPerKu ?? 1}u;
  let n0 = wid.x * ${C}u;
  let m0 = wid.y * ${U * R}u + lane * ${R}u;`);
  for (const r of rows) e(`  let xr${r} = min(m0 + ${r}u, p.M - 1u) * Ku;`);
  for (let c = 0; c < C; c++) e(`  let wr${c} = min(n0 + ${c}u, p.N - 1u) * Ku;`);
  for (const r of rows) for (let c = 0; c < C; c++) e(`  var a${r}_${c} = 0.0;`);
  e(`  for (var u0 = 0u; u0 < Ku; u0 += ${U}u) {
    let wu = min(u0 + lane, Ku - 1u);`);
  for (const r of rows) {
    for (let i = 0; i < U; i++) {
      e(`    let x${r}_${i} = loadXz(xr${r} + min(u0 + ${i}u, Ku - 1u), u0 + ${i}u < Ku);`);
      if (t.xSum) e(`    let s${r}_${i} = ${t.xSum(`x${r}_${i}`)};`);
    }
    // Block scales of rows past K are never used: their units are zero.
    if (t.block) for (let b = 0; b < U / B; b++) e(`    let xd${r}_${b} = ${t.block.xScale(`min(xr${r} + u0 + ${b * B}u, xr${r} + Ku - 1u)`)};`);
  }
  for (let c = 0; c < C; c++) {
    e(`    {
      let w = ${t.load(`wr${c} + wu`)};`);
    const wScale = t.block?.wScale;
    if (wScale) e(`      let wdl = ${wScale(`wr${c} + wu`)};`);
    const dots = (i: number) => `      { let wb = ${t.unit(i)};${rows.map((r) => ` ${t.block ? `t${r}` : `a${r}_${c}`} += ${t.dot(`x${r}_${i}`, 'wb', `s${r}_${i}`)};`).join('')} }`;
    if (!t.block) {
      for (let i = 0; i < U; i++) e(dots(i));
    } else {
      for (let b = 0; b < U / B; b++) {
        e(`      {${rows.map((r) => ` var t${r} = 0.0;`).join('')}`);
        for (let i = b * B; i < (b + 1) * B; i++) e(dots(i));
        const scale = (r: number) => (wScale ? `(xd${r}_${b} * wdb)` : `xd${r}_${b}`);
        e(`     ${wScale ? ` let wdb = subgroupBroadcast(wdl, ${b * B}u);` : ''}${rows.map((r) => ` a${r}_${c} += t${r} * ${scale(r)};`).join('')} }`);
      }
    }
    e(`    }`);
  }
  e(`  }`);
  for (const r of rows) for (let c = 0; c < C; c++) e(`  store(m0 + ${r}u, n0 + ${c}u, a${r}_${c});`);
  e(`}`);
  return L.join('\n');
}

export function matmulSource(v: MatmulVariant): string {
  if (v.broadcast) {
    if (!v.subgroups || v.lanes !== BROADCAST_CHUNK) throw new Error(`the broadcast matmul needs subgroups of ${BROADCAST_CHUNK} lanes`);
    return broadcastSource(v);
  }
  const C = matmulCols;
  const cells: { r: number; c: number; j: number }[] = [];
  for (let r = 0; r < v.rows; r++) for (let c = 0; c < C; c++) cells.push({ r, c, j: r * C + c });
  // Unrolled by generation, with one named variable per accumulator: private arrays indexed in
  // loops stay in memory on lavapipe and made the 4-row variant 4× slower per flop than the 1-row one.
  const acc = (r: number, c: number) => `a${r}_${c}`;
  const reduce = v.subgroups
    ? cells.map(({ r, c }) => `  { let s = subgroupAdd(${acc(r, c)}); if (lane == 0u) { store(m0 + ${r}u, n0 + ${c}u, s); } }`).join('\n')
    : `${cells.map(({ r, c, j }) => `  red[lane * RC + ${j}u] = ${acc(r, c)};`).join('\n')}
  workgroupBarrier();
  for (var j = lane; j < RC; j += LANES) {
    var s = 0.0;
    for (var l = 0u; l < LANES; l++) { s += red[l * RC + j]; }
    store(m0 + j / C, n0 + j % C, s);
  }`;
  const rows = Array.from({ length: v.rows }, (_, r) => r);
  const cols = Array.from({ length: C }, (_, c) => c);
  return `
const C = ${C}u;
const RC = ${v.rows * C}u;
const LANES = ${v.lanes}u;
${typeCodeOf(v)}
${v.subgroups ? '' : 'var<workgroup> red: array<f32, LANES * RC>;'}

${STORE_WGSL}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let n0 = wid.x * C;
  let m0 = wid.y * ${v.rows}u;
${rows.map((r) => `  let xr${r} = min(m0 + ${r}u, p.M - 1u) * p.Ku;`).join('\n')}
${cols.map((c) => `  let wr${c} = min(n0 + ${c}u, p.N - 1u) * p.Ku;`).join('\n')}
${cells.map(({ r, c }) => `  var ${acc(r, c)} = 0.0;`).join('\n')}
  for (var u = lane; u < p.Ku; u += LANES) {
${rows.map((r) => `    let x${r} = loadX(xr${r} + u);`).join('\n')}
${cols.map((c) => `    { let w = loadW(wr${c} + u);${rows.map((r) => ` ${acc(r, c)} += dotU(x${r}, w);`).join('')} }`).join('\n')}
  }
${reduce}
}`;
}

// N: rows of this weight part; the output row stride is ldy, the part's first column nOffset; flags: 1 bias, 2 accumulate.
const uniforms = { M: 'u32', N: 'u32', Ku: 'u32', flags: 'u32', ldy: 'u32', nOffset: 'u32' } as const;
/** The bindings by weight type: X and W in their WGSL element types; xd, wd: the block scales of quantised X and of Q8_0 weights. */
type MatmulBindings = Record<'x' | 'xd' | 'w' | 'wd' | 'bias' | 'y', BindingDecl>;
const bindingsOf = (x: string, w: string): MatmulBindings => ({ x: read(x), xd: read('f32', { optional: true }), w: read(w), wd: read('f32', { optional: true }), bias: read('f32', { optional: true }), y: storage('f32') });
// K-quant X: Q8_K quants, 8 a unit (xd: a scale per super-block). The broadcast kernel reads Q8_0 in
// units of 8 values too.
const bindings: Record<WeightType, MatmulBindings> = {
  f32: bindingsOf('vec4<f32>', 'vec4<f32>'),
  f16: bindingsOf('vec4<u32>', 'vec4<u32>'),
  q8_0: bindingsOf('vec4<u32>', 'vec4<u32>'),
  q4_k: bindingsOf('vec2<u32>', 'u32'),
  q5_k: bindingsOf('vec2<u32>', 'u32'),
  q6_k: bindingsOf('vec2<u32>', 'u32'),
};
const q8BroadcastBindings = bindingsOf('vec2<u32>', 'vec2<u32>');

function bindingsFor(v: MatmulVariant): MatmulBindings {
  const b = v.broadcast && v.type === 'q8_0' ? q8BroadcastBindings : bindings[v.type];
  if (!v.texels) return b;
  // Q4_K reads whole texels (its unit load is its own); Q5_K and Q6_K weights stay in a buffer, X alone is texels.
  return { ...b, x: texels(b.x.type), w: v.type === 'q4_k' ? texels('vec4<u32>') : texelsReadable(v.type) ? texels(b.w.type) : b.w };
}

export function matmulProgram(v: MatmulVariant): ProgramDecl<MatmulBindings, typeof uniforms> {
  const tile = v.broadcast ? `bcast${v.cols ?? ''}x${v.rowsPerLane ?? ''}` : `r${v.rows}`;
  return {
    family: 'matmul',
    variant: `${v.type}_${tile}${v.subgroups ? '_sg' : ''}_l${v.lanes}${v.texels ? '_tx' : ''}`,
    enable: v.subgroups || v.broadcast ? ['subgroups'] : [],
    uniforms,
    bindings: bindingsFor(v),
    body: () => matmulSource(v),
  };
}

export type MatmulProgram = ProgramOf<ReturnType<typeof matmulProgram>>;

export function matmulKernel(device: GPUDevice, v: MatmulVariant): MatmulProgram {
  return program(device, matmulProgram(v));
}

export interface MatmulArgs {
  M: number;
  /** Rows of the weight (part) multiplied: output columns [nOffset, nOffset + N). */
  N: number;
  K: number;
  /** [M,K] f32; for Q8_0 weights, the Q8_0 blocks of X (with xScales). A texels variant takes X already in texels, or a buffer it copies into `xTexels`. */
  x: GPUBuffer | Texels;
  xScales?: GPUBuffer;
  /** A texels variant given X in a buffer: where X is copied to be read (at least X's bytes). */
  xTexels?: Texels;
  /** The weight part: texels for a texels variant, else a buffer. */
  w: GPUBuffer | Texels;
  wScales?: GPUBuffer;
  /** Bias of the whole weight (indexed from column 0). */
  bias?: GPUBuffer;
  /** Add the product to what y holds (fused residual add). */
  accumulate?: boolean;
  y: GPUBuffer;
  /** Row stride of y (default N) and the first output column of this part (default 0). */
  ldy?: number;
  nOffset?: number;
}

export function matmulUniform(arena: UniformArena, type: WeightType, a: Pick<MatmulArgs, 'M' | 'N' | 'K' | 'bias' | 'accumulate' | 'ldy' | 'nOffset'>): Binding {
  return uniformSlot(arena, 'matmul', uniforms, { M: a.M, N: a.N, Ku: a.K / unitOf[type], flags: (a.bias ? 1 : 0) | (a.accumulate ? 2 : 0), ldy: a.ldy ?? a.N, nOffset: a.nOffset ?? 0 });
}

/** Bytes of X a matmul with weights of `type` reads: f32 values, f16 pairs, or Q8_0 quants (their scales apart). */
export function xBytes(type: WeightType, M: number, K: number): number {
  return M * K * (type === 'f32' ? 4 : type === 'f16' ? 2 : 1);
}

/**
 * A texels variant given X in a buffer first copies it into `a.xTexels` (cheap on CPU devices, where
 * texels are used: a memcpy); a caller whose X feeds several matmuls copies it once and passes the texels.
 */
export function encodeMatmul(encoder: GPUCommandEncoder, kernel: MatmulProgram, v: MatmulVariant, uniform: Binding, a: MatmulArgs): void {
  const tile = broadcastTile(v);
  const [cols, rows] = v.broadcast ? [tile.cols, BROADCAST_CHUNK * tile.rowsPerLane] : [matmulCols, v.rows];
  let x = a.x;
  if (v.texels && !isTexels(x)) {
    if (!a.xTexels) throw new Error('a texels matmul given X in a buffer needs xTexels');
    encodeCopyToTexels(encoder, x, a.xTexels, xBytes(v.type, a.M, a.K));
    x = a.xTexels;
  }
  kernel.encode(encoder, uniform, { x, xd: a.xScales, w: a.w, wd: a.wScales, bias: a.bias, y: a.y }, Math.ceil(a.N / cols), Math.ceil(a.M / rows));
}
