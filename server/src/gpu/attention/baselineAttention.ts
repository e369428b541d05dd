// The per-sequence decode kernel: every sequence attends over its own list of KV segments (for the
// baseline path: all its ancestors' nodes and its suffix, re-reading the shared KV per sequence; for
// Hydragen: only its suffix, and any node the path chooser left per-sequence). Written as well as we
// can for lavapipe so that the comparison is fair: each lane of the 8-lane subgroup loads one eighth
// of a key/value row (one load instruction serves a whole row), the partial dot products of 4 keys
// are reduced with one subgroupAdd, the GQA heads sharing a kv head reuse each loaded row, and the
// context is split across workgroups (flash-decoding) so that one long sequence still fills the CPU.
// K/V are read as stored (f32 or packed f16, see kvFormat.ts) and accumulated in f32.
// Output: per (row, head, split) an f32 partial (normalised output + log-sum-exp) for mergeByLse.
import { attentionBindings, checkHeadDim, EMPTY_MAX, LANES, MASKED_SCORE, vec4PerLane } from './hydragenAttention';
import { kvRead, type KvType } from './kvFormat';
import type { ProgramDecl } from '../program';

const uniforms = { numHeads: 'u32', numKvHeads: 'u32', splitLen: 'u32', segStride: 'u32', maxSlots: 'u32', scale: 'f32' } as const;

/** Header words before the (start, length) pairs of a row's segment table: slotBase, segmentCount. */
export const SEGMENT_HEADER_WORDS = 2;

/**
 * perSequenceAttention: workgroup (split, kvHead, row); `group` (query heads per kv head) is baked in.
 * rowSegs[row * segStride ..] = slotBase, n, (start, length) * n in KV-pool token slots; split s
 * covers positions [s * splitLen, (s + 1) * splitLen) of the concatenated segments.
 */
export function perSequenceAttentionProgram(headDim: number, group: number, kvType: KvType = 'f32'): ProgramDecl<ReturnType<typeof attentionBindings>, typeof uniforms> {
  checkHeadDim(headDim);
  return {
    family: 'perSequenceAttention',
    variant: `${headDim}_${group}_${kvType}`,
    enable: ['subgroups'],
    uniforms,
    bindings: attentionBindings(kvType, 'rowSegs'),
    body: () => perSequenceAttentionWgsl(headDim, group, kvType),
  };
}

function perSequenceAttentionWgsl(headDim: number, group: number, kvType: KvType): string {
  const dv = headDim / 4;
  const lv = vec4PerLane(headDim);
  const G = group;
  // Lanes past the head's end hold zero queries (their partial dots vanish) and load clamped rows.
  const at = (i: number) => `min(lane * ${lv}u + ${i}u, ${dv - 1}u)`;
  const live = (i: number) => `lane * ${lv}u + ${i}u < ${dv}u`;
  const kv = kvRead(kvType);
  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  emit(`${kv.helpers}
@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let split = wg.x;
  let kvh = wg.y;
  let row = wg.z;
  let so = row * p.segStride;
  let slotBase = rowSegs[so];
  let nSeg = rowSegs[so + 1u];
  let vs = split * p.splitLen;
  let ve = vs + p.splitLen;`);
  for (let g = 0; g < G; g++) {
    emit(`  let qo${g} = (row * p.numHeads + kvh * ${G}u + ${g}u) * ${dv}u;
  var m${g} = ${EMPTY_MAX};
  var l${g} = 0.0;`);
    for (let i = 0; i < lv; i++) emit(`  let q${g}_${i} = select(vec4<f32>(0.0), q[qo${g} + ${at(i)}] * p.scale, ${live(i)});\n  var a${g}_${i} = vec4<f32>(0.0);`);
  }
  emit(`  var vpos = 0u;
  for (var sg = 0u; sg < nSeg; sg++) {
    let st = rowSegs[so + 2u + 2u * sg];
    let ln = rowSegs[so + 3u + 2u * sg];
    let a = max(vpos, vs);
    let b = min(vpos + ln, ve);
    for (var t = a; t < b; t += 4u) {`);
  for (let k = 0; k < 4; k++) {
    emit(`      let kb${k} = ((st + min(t + ${k}u, b - 1u) - vpos) * p.numKvHeads + kvh) * ${dv}u;`);
  }
  emit(`      let live = vec4<bool>(true, t + 1u < b, t + 2u < b, t + 3u < b);`);
  for (let k = 0; k < 4; k++) for (let i = 0; i < lv; i++) emit(`      let k${k}_${i} = ${kv.load(`kPool[kb${k} + ${at(i)}]`)};`);
  for (let g = 0; g < G; g++) {
    const dots = [0, 1, 2, 3].map((k) => Array.from({ length: lv }, (_, i) => `dot(q${g}_${i}, k${k}_${i})`).join(' + '));
    emit(`      let s${g} = select(vec4<f32>(${MASKED_SCORE}), subgroupAdd(vec4<f32>(${dots.join(', ')})), live);
      let mn${g} = max(m${g}, max(max(s${g}.x, s${g}.y), max(s${g}.z, s${g}.w)));
      let cr${g} = exp(m${g} - mn${g});
      let p${g} = exp(s${g} - vec4<f32>(mn${g}));
      m${g} = mn${g};
      l${g} = l${g} * cr${g} + p${g}.x + p${g}.y + p${g}.z + p${g}.w;`);
  }
  for (let k = 0; k < 4; k++) for (let i = 0; i < lv; i++) emit(`      let v${k}_${i} = ${kv.load(`vPool[kb${k} + ${at(i)}]`)};`);
  const comp = ['x', 'y', 'z', 'w'];
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < lv; i++) {
      emit(`      a${g}_${i} = a${g}_${i} * cr${g} + ${[0, 1, 2, 3].map((k) => `p${g}.${comp[k]} * v${k}_${i}`).join(' + ')};`);
    }
  }
  emit(`    }
    vpos += ln;
  }`);
  for (let g = 0; g < G; g++) {
    emit(`  {
    let dst = (row * p.numHeads + kvh * ${G}u + ${g}u) * p.maxSlots + slotBase + split;
    let inv = select(0.0, 1.0 / l${g}, l${g} > 0.0);`);
    for (let i = 0; i < lv; i++) emit(`    if (${live(i)}) { partO[dst * ${dv}u + lane * ${lv}u + ${i}u] = a${g}_${i} * inv; }`);
    emit(`    if (lane == 0u) { partLse[dst] = select(${MASKED_SCORE}, m${g} + log(l${g}), l${g} > 0.0); }
  }`);
  }
  emit(`}`);
  return L.join('\n');
}
