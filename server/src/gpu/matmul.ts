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
// For many X rows (batched decode, prefill) with subgroups and f32/f16 weights, the `broadcast` variant
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
// register room (R·C accumulators) allows; 16-lane subgroups (LP_NATIVE_VECTOR_WIDTH=512) ran slower.
// CPU reference: test/helpers/reference/kernels.ts (unit tests in test/unit/gpu).
import { unitOf, type WeightType } from './gpuWeight';
import type { UniformArena } from './buffers';
import { program, read, storage, uniformSlot, type Binding, type BindingDecl, type ProgramDecl, type ProgramOf } from './program';
import { BYTE_AT_WGSL, K4_SCALES_WGSL, kBlockWords } from './kQuantWgsl';

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
  /** Broadcast kernel only, for trying tiles (bench/matmul.ts): weight rows per workgroup and X rows per lane (defaults: BROADCAST_COLS, the type's). */
  cols?: number;
  rowsPerLane?: number;
}

/** Broadcast variant: weight rows per workgroup, K units per chunk (X rows per lane: per type, below). */
export const BROADCAST_COLS = 8;
const BROADCAST_CHUNK = 8;
/** X rows from which the runner uses the broadcast variant (below, most of its rows would idle). */
export const BROADCAST_MIN_ROWS = 16;

// K-quants: a unit is 8 consecutive values of one sub-block (32 units per super-block, a row being
// whole super-blocks), read from the raw blocks (layouts in model/kQuants.ts; u32 offsets below) and
// multiplied with f32 activations: scale·Σ x·q − min·Σ x, with the block's f16 d, dmin applied to the
// integer scales first, as ggml's dequantisation does.
const K_COMMON = `
struct X8 { a: vec4<f32>, b: vec4<f32> }
alias XU = X8;
fn loadX(i: u32) -> XU { return X8(x[2u * i], x[2u * i + 1u]); }
fn loadXz(i: u32, ok: bool) -> XU { return X8(select(vec4<f32>(0.0), x[2u * i], ok), select(vec4<f32>(0.0), x[2u * i + 1u], ok)); }
${BYTE_AT_WGSL}
// The four bytes of v, each shifted right by sh and masked, as f32.
fn bits4(v: u32, sh: u32, mask: u32) -> vec4<u32> { return (vec4<u32>(v, v >> 8u, v >> 16u, v >> 24u) >> vec4<u32>(sh)) & vec4<u32>(mask); }
fn sum8(a: XU) -> f32 { return dot(a.a, vec4<f32>(1.0)) + dot(a.b, vec4<f32>(1.0)); }`;

function kQuantCode(type: 'q4_k' | 'q5_k' | 'q6_k'): string {
  if (type === 'q6_k') {
    return `${K_COMMON}
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
  return WU(vec2<u32>(w[li], w[li + 1u]), vec2<u32>(w[hi], w[hi + 1u]), (t >> 1u) * 4u, 2u * t, unpack2x16float(w[base + 52u]).x * sc);
}
fn q6(lo: u32, hi: u32, b: WU) -> vec4<f32> { return vec4<f32>(bits4(lo, b.lsh, 0xfu) | (bits4(hi, b.hsh, 3u) << vec4<u32>(4u))) - vec4<f32>(32.0); }
fn dotU(a: XU, b: WU) -> f32 { return b.s * (dot(a.a, q6(b.ql.x, b.qh.x, b)) + dot(a.b, q6(b.ql.y, b.qh.y, b))); }`;
  }
  const q5 = type === 'q5_k';
  // Q5_K: 44 u32 per block, qh (32 bytes) at u32 4, qs at u32 12. Q4_K: 36 u32, qs at u32 4.
  return `${K_COMMON}${K4_SCALES_WGSL}
struct WU { q: vec2<u32>, h: vec2<u32>, sh: u32, hb: u32, s: f32, m: f32 }
fn loadW(g: u32) -> WU {
  let base = (g >> 5u) * ${kBlockWords[type]}u;
  let v = g & 31u;
  let j = v >> 2u;
  let o = (v & 3u) * 8u;
  let qi = base + ${q5 ? 12 : 4}u + 8u * (j >> 1u) + o / 4u;
  let dm = unpack2x16float(w[base]);
  let sm = scaleMin(base, j);
  ${q5 ? 'let h = vec2<u32>(w[base + 4u + o / 4u], w[base + 5u + o / 4u]);' : 'let h = vec2<u32>(0u);'}
  return WU(vec2<u32>(w[qi], w[qi + 1u]), h, (j & 1u) * 4u, 2u * (j >> 1u) + (j & 1u), dm.x * sm.x, dm.y * sm.y);
}
fn qv(q: u32, h: u32, b: WU) -> vec4<f32> { return vec4<f32>(bits4(q, b.sh, 0xfu)${q5 ? ' | (bits4(h, b.hb, 1u) << vec4<u32>(4u))' : ''}); }
fn dotU(a: XU, b: WU) -> f32 { return b.s * (dot(a.a, qv(b.q.x, b.h.x, b)) + dot(a.b, qv(b.q.y, b.h.y, b))) - b.m * sum8(a); }`;
}

const typeCode: Record<WeightType, string> = {
  f32: `
alias XU = vec4<f32>;
alias WU = vec4<f32>;
fn loadX(i: u32) -> XU { return x[i]; }
fn loadW(i: u32) -> WU { return w[i]; }
fn dotU(a: XU, b: WU) -> f32 { return dot(a, b); }
fn loadXz(i: u32, ok: bool) -> XU { return select(vec4<f32>(0.0), x[i], ok); }`,
  f16: `
struct X8 { a: vec4<f32>, b: vec4<f32> }
alias XU = X8;
alias WU = vec4<u32>;
fn h4(a: u32, b: u32) -> vec4<f32> { return vec4<f32>(unpack2x16float(a), unpack2x16float(b)); }
fn halves(v: vec4<u32>) -> X8 { return X8(h4(v.x, v.y), h4(v.z, v.w)); }
fn loadX(i: u32) -> XU { return halves(x[i]); }
fn loadW(i: u32) -> WU { return w[i]; }
fn dotU(a: XU, b: WU) -> f32 { return dot(a.a, h4(b.x, b.y)) + dot(a.b, h4(b.z, b.w)); }
fn loadXz(i: u32, ok: bool) -> XU { return halves(select(vec4<u32>(0u), x[i], ok)); }`,
  q8_0: `
struct Q8 { lo: vec4<u32>, hi: vec4<u32>, d: f32 }
alias XU = Q8;
alias WU = Q8;
fn loadX(i: u32) -> XU { return Q8(x[2u * i], x[2u * i + 1u], xd[i]); }
fn loadW(i: u32) -> WU { return Q8(w[2u * i], w[2u * i + 1u], wd[i]); }
fn i8x4(v: u32) -> vec4<f32> {
  return vec4<f32>(vec4<i32>(bitcast<i32>(v << 24u), bitcast<i32>(v << 16u), bitcast<i32>(v << 8u), bitcast<i32>(v)) >> vec4<u32>(24u));
}
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
 * Per weight type of the broadcast kernel: lane i's weight unit for every lane, converted to f32 once
 * (not once per X row), and the dot of an X unit with it. Q8_0 has no broadcast kernel: its integer
 * dot converts both sides per product, and the unrolled kernel compiled for minutes on lavapipe.
 */
interface BroadcastType {
  /** X rows each lane owns (measured, see the top of the file). */
  rowsPerLane: number;
  unit: (i: number) => string;
  dot: (x: string, w: string) => string;
}
const broadcastTypes: Partial<Record<WeightType, BroadcastType>> = {
  f32: { rowsPerLane: 4, unit: (i) => `subgroupBroadcast(w, ${i}u)`, dot: (x, w) => `dot(${x}, ${w})` },
  f16: {
    rowsPerLane: 4,
    unit: (i) => `X8(h4(subgroupBroadcast(w.x, ${i}u), subgroupBroadcast(w.y, ${i}u)), h4(subgroupBroadcast(w.z, ${i}u), subgroupBroadcast(w.w, ${i}u)))`,
    dot: (x, w) => `dot(${x}.a, ${w}.a) + dot(${x}.b, ${w}.b)`,
  },
};

export function hasBroadcastVariant(type: WeightType): boolean {
  return broadcastTypes[type] !== undefined;
}

/** Weight rows and X rows one workgroup of the broadcast kernel covers. */
function broadcastTile(v: MatmulVariant): { cols: number; rowsPerLane: number } {
  return { cols: v.cols ?? BROADCAST_COLS, rowsPerLane: v.rowsPerLane ?? broadcastTypes[v.type]?.rowsPerLane ?? 1 };
}

/**
 * The broadcast variant: workgroup (column block, row block) = BROADCAST_COLS weight rows × 8 lanes ×
 * rowsPerLane X rows. Per chunk of 8 K units each lane loads its rows' 8 units (units past
 * K read as zero) and one unit of each weight row, which subgroupBroadcast hands to every lane.
 */
function broadcastSource(v: MatmulVariant): string {
  const t = broadcastTypes[v.type];
  if (!t) throw new Error(`no broadcast matmul for ${v.type} weights`);
  const { cols: C, rowsPerLane: R } = broadcastTile(v);
  const U = BROADCAST_CHUNK;
  const L: string[] = [];
  const e = (s: string) => L.push(s);
  e(`${typeCode[v.type]}
${STORE_WGSL}

@compute @workgroup_size(${U})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let n0 = wid.x * ${C}u;
  let m0 = wid.y * ${U * R}u + lane * ${R}u;`);
  for (let r = 0; r < R; r++) e(`  let xr${r} = min(m0 + ${r}u, p.M - 1u) * p.Ku;`);
  for (let c = 0; c < C; c++) e(`  let wr${c} = min(n0 + ${c}u, p.N - 1u) * p.Ku;`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) e(`  var a${r}_${c} = 0.0;`);
  e(`  for (var u0 = 0u; u0 < p.Ku; u0 += ${U}u) {
    let wu = min(u0 + lane, p.Ku - 1u);`);
  for (let r = 0; r < R; r++) for (let i = 0; i < U; i++) e(`    let x${r}_${i} = loadXz(xr${r} + min(u0 + ${i}u, p.Ku - 1u), u0 + ${i}u < p.Ku);`);
  for (let c = 0; c < C; c++) {
    e(`    {
      let w = loadW(wr${c} + wu);`);
    for (let i = 0; i < U; i++) e(`      { let wb = ${t.unit(i)};${Array.from({ length: R }, (_, r) => ` a${r}_${c} += ${t.dot(`x${r}_${i}`, 'wb')};`).join('')} }`);
    e(`    }`);
  }
  e(`  }`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) e(`  store(m0 + ${r}u, n0 + ${c}u, a${r}_${c});`);
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
${typeCode[v.type]}
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
/** The bindings by weight type: X and W in their WGSL element types; xd, wd: Q8_0's block scales. */
type MatmulBindings = Record<'x' | 'xd' | 'w' | 'wd' | 'bias' | 'y', BindingDecl>;
const bindingsOf = (x: string, w: string): MatmulBindings => ({ x: read(x), xd: read('f32', { optional: true }), w: read(w), wd: read('f32', { optional: true }), bias: read('f32', { optional: true }), y: storage('f32') });
const bindings: Record<WeightType, MatmulBindings> = {
  f32: bindingsOf('vec4<f32>', 'vec4<f32>'),
  f16: bindingsOf('vec4<u32>', 'vec4<u32>'),
  q8_0: bindingsOf('vec4<u32>', 'vec4<u32>'),
  q4_k: bindingsOf('vec4<f32>', 'u32'),
  q5_k: bindingsOf('vec4<f32>', 'u32'),
  q6_k: bindingsOf('vec4<f32>', 'u32'),
};

export function matmulProgram(v: MatmulVariant): ProgramDecl<MatmulBindings, typeof uniforms> {
  const tile = v.broadcast ? `bcast${v.cols ?? ''}x${v.rowsPerLane ?? ''}` : `r${v.rows}`;
  return {
    family: 'matmul',
    variant: `${v.type}_${tile}${v.subgroups ? '_sg' : ''}_l${v.lanes}`,
    enable: v.subgroups || v.broadcast ? ['subgroups'] : [],
    uniforms,
    bindings: bindings[v.type],
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
  /** [M,K] f32; for Q8_0 weights, the Q8_0 blocks of X (with xScales). */
  x: GPUBuffer;
  xScales?: GPUBuffer;
  w: GPUBuffer;
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

export function encodeMatmul(encoder: GPUCommandEncoder, kernel: MatmulProgram, v: MatmulVariant, uniform: Binding, a: MatmulArgs): void {
  const tile = broadcastTile(v);
  const [cols, rows] = v.broadcast ? [tile.cols, BROADCAST_CHUNK * tile.rowsPerLane] : [matmulCols, v.rows];
  kernel.encode(encoder, uniform, { x: a.x, xd: a.xScales, w: a.w, wd: a.wScales, bias: a.bias, y: a.y }, Math.ceil(a.N / cols), Math.ceil(a.M / rows));
}
