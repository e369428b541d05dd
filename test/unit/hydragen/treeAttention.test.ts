// The attention kernels (prefixAttention, perSequenceAttention, mergeByLse, the kv store) against the
// plain-TS reference, on a 2-level prompt tree, for the Hydragen, baseline and mixed decode plans and
// the causal prefill plan; MHA and GQA 4:1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu } from '../../../server/src/gpu/device';
import type { AttentionPlan } from '../../../server/src/gpu/attention/plan';
import { compileTreeAttention, TreeAttention } from '../../../server/src/gpu/attention/treeStep';
import { readF32, uploadStorage } from '../../../server/src/gpu/buffers';
import { runAttentionPlan } from '../../../server/src/sampling/runAttentionPlan';
import { PREFIX_VARIANTS } from '../../../server/src/gpu/attention/hydragenAttention';
import { referenceAttention } from '../../helpers/reference/attention';
import { ancestors, planDecode, planPrefill, type DecodeRow, type KvNode, type SplitPolicy } from '../../../server/src/sampling/attentionPlan';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

async function check(numHeads: number, numKvHeads: number, headDim: number, makePlans: (nodes: KvNode[], rows: DecodeRow[], policy: SplitPolicy) => { name: string; plan: AttentionPlan; keys: number[][] }[]) {
  const gpu = await getGpu();
  const shape = { numLayers: 1, numHeads, numKvHeads, headDim };
  const kernels = await compileTreeAttention(gpu.device, shape);
  // Root 300 tokens; children of 70 and 130; a grandchild of 40 under the first child.
  const nodes: KvNode[] = [
    { start: 0, length: 300, parent: -1 },
    { start: 300, length: 70, parent: 0 },
    { start: 370, length: 130, parent: 0 },
    { start: 500, length: 40, parent: 1 },
  ];
  const leafOf = [3, 3, 3, 3, 3, 2, 2, 2, 0, 1, 3, 2];
  let next = 540;
  const rows: DecodeRow[] = leafOf.map((node, i) => {
    const suffixLength = 1 + ((i * 7) % 23);
    const r = { node, suffixStart: next, suffixLength };
    next += 24;
    return r;
  });
  const capacity = next;
  const attention = new TreeAttention(gpu.device, shape, kernels, capacity);
  const rand = rng(numHeads * 31 + numKvHeads);
  const rowFloats = numKvHeads * headDim;
  const kPool = Float32Array.from({ length: capacity * rowFloats }, () => rand() * 2);
  const vPool = Float32Array.from({ length: capacity * rowFloats }, () => rand() * 2);
  // The planner's own choice of prefixAttention variant, then each variant forced (block edges move:
  // 12 rows fill one block of 4 queries per lane, two blocks of 1).
  const policies: SplitPolicy[] = [undefined, ...PREFIX_VARIANTS].map((queriesPerLane) => ({ targetWorkgroups: 16, numKvHeads, group: numHeads / numKvHeads, headDim, queriesPerLane }));
  for (const { name, plan, keys } of policies.flatMap((policy) => makePlans(nodes, rows, policy).map((p) => ({ ...p, name: `${p.name}, queries/lane ${policy.queriesPerLane ?? 'auto'}` })))) {
    const q = Float32Array.from({ length: plan.rows * numHeads * headDim }, () => rand() * 2);
    // The rows' own k/v reach the pool only through the kernel that stores them.
    const kNew = new Float32Array(plan.rows * rowFloats);
    const vNew = new Float32Array(plan.rows * rowFloats);
    const kGpu = kPool.slice();
    const vGpu = vPool.slice();
    plan.kvDest.forEach((d, r) => {
      kNew.set(kPool.subarray(d * rowFloats, (d + 1) * rowFloats), r * rowFloats);
      vNew.set(vPool.subarray(d * rowFloats, (d + 1) * rowFloats), r * rowFloats);
      kGpu.fill(0, d * rowFloats, (d + 1) * rowFloats);
      vGpu.fill(0, d * rowFloats, (d + 1) * rowFloats);
    });
    gpu.device.queue.writeBuffer(attention.kPools[0], 0, kGpu);
    gpu.device.queue.writeBuffer(attention.vPools[0], 0, vGpu);
    const buffers = {
      q: uploadStorage(gpu.device, 'q', q),
      k: uploadStorage(gpu.device, 'k', kNew),
      v: uploadStorage(gpu.device, 'v', vNew),
      out: uploadStorage(gpu.device, 'out', new Float32Array(q.length)),
    };
    await runAttentionPlan(attention, plan, buffers);
    const got = await readF32(gpu.device, buffers.out, q.length);
    const want = referenceAttention({ numHeads, numKvHeads, headDim, q, kPool, vPool, rowKeySlots: keys });
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    assert.ok(maxErr <= 1e-5, `${name} (H=${numHeads}, KV=${numKvHeads}, D=${headDim}): max |error| ${maxErr}`);
  }
  attention.destroy();
}

const decodeKeys = (nodes: KvNode[], rows: DecodeRow[]) =>
  rows.map((r) => [
    ...ancestors(nodes, r.node).flatMap((n) => Array.from({ length: nodes[n].length }, (_, i) => nodes[n].start + i)),
    ...Array.from({ length: r.suffixLength }, (_, i) => r.suffixStart + i),
  ]);

const decodePlans = (nodes: KvNode[], rows: DecodeRow[], policy: SplitPolicy) => [
  { name: 'hydragen', plan: planDecode(nodes, rows, () => true, policy), keys: decodeKeys(nodes, rows) },
  { name: 'baseline', plan: planDecode(nodes, rows, () => false, policy), keys: decodeKeys(nodes, rows) },
  { name: 'mixed', plan: planDecode(nodes, rows, (n) => n % 2 === 0, policy), keys: decodeKeys(nodes, rows) },
];

const prefillPlans = (nodes: KvNode[], _rows: DecodeRow[], policy: SplitPolicy) => {
  // A chunk of node 3 (the grandchild): tokens 10..39, each seeing its ancestors and node 3 up to itself.
  const from = 10;
  const count = 30;
  const keys = Array.from({ length: count }, (_, i) => [
    ...[0, 1].flatMap((n) => Array.from({ length: nodes[n].length }, (_, j) => nodes[n].start + j)),
    ...Array.from({ length: from + i + 1 }, (_, j) => nodes[3].start + j),
  ]);
  return [{ name: 'prefill', plan: planPrefill(nodes, 3, from, count, policy), keys }];
};

test('decode attention equals the reference on a 2-level tree (hydragen, baseline, mixed), MHA, head_dim 64', () => check(4, 4, 64, decodePlans));
test('decode attention equals the reference on a 2-level tree, GQA 4:1, head_dim 64', () => check(8, 2, 64, decodePlans));
test('decode attention equals the reference with head_dim 16 (fewer vec4s than lanes), GQA 2:1', () => check(4, 2, 16, decodePlans));
test('decode attention equals the reference with head_dim 256 (one query per lane), MHA', () => check(2, 2, 256, decodePlans));
test('causal prefill of a node over its ancestors equals the reference, MHA and GQA', async () => {
  await check(4, 4, 64, prefillPlans);
  await check(8, 2, 64, prefillPlans);
  await check(4, 2, 16, prefillPlans);
});
