// Hydragen's two kernels (https://arxiv.org/abs/2402.05099): prefixAttention computes, for one shared
// prompt-tree node, the attention of the queries of ALL sequences below it over the node's keys as one
// batched product (online softmax, f32 output + log-sum-exp per query and key split); mergeByLse
// combines those partials with the per-sequence suffix partials into the exact softmax attention.
//
// Why the kernel looks like this (lavapipe, see shared/setup-notes.md): every buffer load instruction
// costs about the same whether the 8 lanes of a subgroup read one address or eight, while
// subgroupBroadcast is ~20x cheaper. So the 8 lanes of a workgroup each load one eighth of a key (and
// value) row and broadcast it; every lane holds QPL queries in registers, so each loaded row serves
// 8 * QPL queries. GQA needs nothing special: the queries of all heads sharing a kv head are simply
// more queries in the same list. The key range is split across workgroups for parallelism.

import { kvRead, type KvType } from './kvFormat';
import { read, storage, type ProgramDecl } from '../program';

/** Lanes per workgroup: one subgroup on lavapipe's 256-bit vectors. */
export const LANES = 8;

/**
 * Queries each lane keeps in registers, by kernel variant. More queries per lane amortise each loaded
 * and broadcast key row over more queries (4 per lane: 1.15-1.25x faster per query than 2 at B=32-64 on
 * lavapipe), but every query slot of a workgroup costs the same whether it holds a query or not, so a
 * node with few queries per kv head takes the smallest variant that still fills its lanes (8 queries
 * per kv head: 1 per lane, 1.36x faster than 2).
 */
export const PREFIX_VARIANTS = [1, 2, 4] as const;

/**
 * The most queries per lane for a head size. Each query holds 2 * headDim / 4 vec4 registers per lane,
 * and the unrolled kernel's JIT time on lavapipe grows with them: 4 per lane compiles in ~15 s at
 * head_dim 64, 2 in ~15 s at 128, and head_dim 256 with two took 69 s.
 */
export function maxQueriesPerLane(headDim: number): number {
  return headDim > 128 ? 1 : headDim > 64 ? 2 : 4;
}

/**
 * The variant a prefixAttention dispatch uses for `queriesPerKvHead` queries (rows below the node ×
 * query heads per kv head): the smallest that holds them in one workgroup, else the largest allowed.
 * `force` (tests, benchmarks) picks one outright, capped by the head size.
 */
export function prefixQueriesPerLane(headDim: number, queriesPerKvHead: number, force?: number): number {
  const max = maxQueriesPerLane(headDim);
  if (force !== undefined) return Math.min(force, max);
  return PREFIX_VARIANTS.find((q) => q <= max && LANES * q >= queriesPerKvHead) ?? max;
}

/** Query blocks (workgroups per kv head and split) of a dispatch with `queriesPerLane`. */
export function prefixQueryBlocks(queriesPerKvHead: number, queriesPerLane: number): number {
  return Math.ceil(queriesPerKvHead / (LANES * queriesPerLane));
}

/** Scores of masked keys; initial running max is higher so that exp(masked - max) is exactly 0. */
export const MASKED_SCORE = -3.0e38;
export const EMPTY_MAX = -1.0e38;

export function checkHeadDim(headDim: number): void {
  if (headDim % 16 !== 0 || headDim < 16 || headDim > 256) {
    throw new Error(`attention kernels need headDim to be a multiple of 16 up to 256, got ${headDim}`);
  }
}

/** vec4s of a head row each lane loads (the last lanes load clamped duplicates when headDim/4 < 8 * this). */
export function vec4PerLane(headDim: number): number {
  return Math.ceil(headDim / 4 / LANES);
}

/**
 * prefixAttention: workgroup (split, kvHead, queryBlock). Query qi of the node's list is
 * (row = rows[qi / group], head = kvHead * group + qi % group). Causal mode (prefill of a node over
 * itself) lets list entry i see keys [0, causalBase + i] of the segment.
 */
const prefixUniforms = {
  numQueries: 'u32', group: 'u32', numHeads: 'u32', numKvHeads: 'u32',
  segStart: 'u32', segLen: 'u32', splitLen: 'u32', slotBase: 'u32',
  maxSlots: 'u32', causal: 'u32', causalBase: 'u32', scale: 'f32',
} as const;

/** The q, kPool, vPool, partial outputs of the attention kernels, and `list` (what the variant reads per row). */
export function attentionBindings(kvType: KvType, list: string) {
  const kv = kvRead(kvType);
  return { q: read('vec4<f32>'), kPool: read(kv.elem), vPool: read(kv.elem), [list]: read('u32'), partO: storage('vec4<f32>'), partLse: storage('f32') };
}

export function prefixAttentionProgram(headDim: number, queriesPerLane: number, kvType: KvType = 'f32'): ProgramDecl<ReturnType<typeof attentionBindings>, typeof prefixUniforms> {
  checkHeadDim(headDim);
  if (!(PREFIX_VARIANTS as readonly number[]).includes(queriesPerLane) || queriesPerLane > maxQueriesPerLane(headDim)) {
    throw new Error(`prefixAttention has no variant with ${queriesPerLane} queries per lane at head_dim ${headDim}`);
  }
  return {
    family: 'prefixAttention',
    variant: `${headDim}_${queriesPerLane}_${kvType}`,
    enable: ['subgroups'],
    uniforms: prefixUniforms,
    bindings: attentionBindings(kvType, 'rows'),
    body: () => prefixAttentionWgsl(headDim, queriesPerLane, kvType),
  };
}

function prefixAttentionWgsl(headDim: number, queriesPerLane: number, kvType: KvType): string {
  const dv = headDim / 4;
  const lv = vec4PerLane(headDim);
  const Q = queriesPerLane;
  const QPW = LANES * Q;
  const kv = kvRead(kvType);
  const lines: string[] = [];
  const emit = (s: string) => lines.push(s);
  emit(`${kv.helpers}
@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let split = wg.x;
  let kvh = wg.y;
  let qBase = wg.z * ${QPW}u + lane * ${Q}u;`);
  // Named registers rather than arrays: arrays indexed in loops stay in memory and slow the JIT.
  for (let j = 0; j < Q; j++) {
    for (let c = 0; c < dv; c++) emit(`  var q${j}_${c} = vec4<f32>(0.0);\n  var a${j}_${c} = vec4<f32>(0.0);`);
    emit(`  var m${j} = ${EMPTY_MAX};
  var l${j} = 0.0;
  let qi${j} = qBase + ${j}u;
  let ok${j} = qi${j} < p.numQueries;
  var lim${j} = 0xffffffffu;
  var dst${j} = 0u;
  if (ok${j}) {
    let li = qi${j} / p.group;
    let h = kvh * p.group + qi${j} % p.group;
    let r = rows[li];
    if (p.causal != 0u) { lim${j} = p.causalBase + li; }
    dst${j} = (r * p.numHeads + h) * p.maxSlots + p.slotBase + split;
    let qo = (r * p.numHeads + h) * ${dv}u;`);
    // Scores in log2 units (exp2 is the cheaper instruction); the log-sum-exp goes out in natural units.
    for (let c = 0; c < dv; c++) emit(`    q${j}_${c} = q[qo + ${c}u] * (p.scale * ${Math.LOG2E});`);
    emit(`  }`);
  }
  emit(`  let t0 = split * p.splitLen;
  var t1 = min(p.segLen, t0 + p.splitLen);
  if (p.causal != 0u) {
    let lastList = min(p.numQueries, wg.z * ${QPW}u + ${QPW}u) - 1u;
    t1 = min(t1, p.causalBase + lastList / p.group + 1u);
  }
  for (var t = t0; t < t1; t++) {
    let base = ((p.segStart + t) * p.numKvHeads + kvh) * ${dv}u;`);
  for (let i = 0; i < lv; i++) emit(`    let k${i} = ${kv.load(`kPool[base + min(lane * ${lv}u + ${i}u, ${dv - 1}u)]`)};`);
  // Each query's score is kept as a vec4 of partial sums (4 independent add chains) and summed once.
  for (let j = 0; j < Q; j++) emit(`    var sv${j} = vec4<f32>(0.0);`);
  for (let c = 0; c < dv; c++) {
    emit(`    { let kc = subgroupBroadcast(k${c % lv}, ${Math.floor(c / lv)}u);`);
    for (let j = 0; j < Q; j++) emit(`      sv${j} += q${j}_${c} * kc;`);
    emit(`    }`);
  }
  for (let i = 0; i < lv; i++) emit(`    let v${i} = ${kv.load(`vPool[base + min(lane * ${lv}u + ${i}u, ${dv - 1}u)]`)};`);
  // The running max changes on few keys once a query has seen some: the accumulators are rescaled
  // only then (a branch the whole subgroup skips when no lane needs it); where it does not change, the
  // factor skipped is exp2(0) = 1 exactly. At P=4096 this cut prefill attention by ~18% (bench:profile).
  for (let j = 0; j < Q; j++) {
    emit(`    let s${j} = select((sv${j}.x + sv${j}.y) + (sv${j}.z + sv${j}.w), ${MASKED_SCORE}, t > lim${j});
    if (s${j} > m${j}) {
      let cr = exp2(m${j} - s${j});
      m${j} = s${j};
      l${j} = l${j} * cr;
${Array.from({ length: dv }, (_, c) => `      a${j}_${c} = a${j}_${c} * cr;`).join('\n')}
    }
    let p${j} = exp2(s${j} - m${j});
    l${j} = l${j} + p${j};`);
  }
  for (let c = 0; c < dv; c++) {
    emit(`    { let vc = subgroupBroadcast(v${c % lv}, ${Math.floor(c / lv)}u);`);
    for (let j = 0; j < Q; j++) emit(`      a${j}_${c} = a${j}_${c} + p${j} * vc;`);
    emit(`    }`);
  }
  emit(`  }`);
  for (let j = 0; j < Q; j++) {
    emit(`  if (ok${j}) {
    let inv = select(0.0, 1.0 / l${j}, l${j} > 0.0);`);
    for (let c = 0; c < dv; c++) emit(`    partO[dst${j} * ${dv}u + ${c}u] = a${j}_${c} * inv;`);
    emit(`    partLse[dst${j}] = select(${MASKED_SCORE}, (m${j} + log2(l${j})) * ${Math.LN2}, l${j} > 0.0);
  }`);
  }
  emit(`}`);
  return lines.join('\n');
}

/**
 * mergeByLse: one invocation per (row, head, vec4 of the head). out = sum_s exp(lse_s - L) o_s with
 * L = log sum_s exp(lse_s); row r uses slots [0, slotCount[r]).
 */
const mergeUniforms = { rows: 'u32', numHeads: 'u32', maxSlots: 'u32' } as const;
const mergeBindings = { partO: read('vec4<f32>'), partLse: read('f32'), slotCount: read('u32'), out: storage('vec4<f32>') };

export function mergeByLseProgram(headDim: number): ProgramDecl<typeof mergeBindings, typeof mergeUniforms> {
  checkHeadDim(headDim);
  return { family: 'mergeByLse', variant: `${headDim}`, uniforms: mergeUniforms, bindings: mergeBindings, body: () => mergeByLseWgsl(headDim) };
}

function mergeByLseWgsl(headDim: number): string {
  const dv = headDim / 4;
  return `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.rows * p.numHeads * ${dv}u) { return; }
  let c = i % ${dv}u;
  let rh = i / ${dv}u;
  let n = slotCount[rh / p.numHeads];
  let base = rh * p.maxSlots;
  var mx = ${EMPTY_MAX};
  for (var s = 0u; s < n; s++) { mx = max(mx, partLse[base + s]); }
  var acc = vec4<f32>(0.0);
  var wsum = 0.0;
  for (var s = 0u; s < n; s++) {
    let w = exp(partLse[base + s] - mx);
    wsum += w;
    acc += w * partO[(base + s) * ${dv}u + c];
  }
  out[i] = acc / wsum;
}`;
}
