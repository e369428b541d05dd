// `npm run bench:hydragen [-- --quick] [--json FILE]`: Hydragen vs the per-sequence (baseline) decode
// attention, measured side by side in one run: B sequences below one shared prefix of P tokens, each
// with its own 16-token suffix; MHA and GQA 4:1, head_dim 64, 8 query heads. Prints a table and JSON.
import { writeFileSync } from 'node:fs';
import { getGpu } from '../server/src/gpu/device';
import { compileTreeAttention, TreeAttention, type AttentionPlan } from '../server/src/gpu/treeAttention';
import { runAttentionPlan, uploadF32, type PlanBuffers } from '../server/src/gpu/hydragenHarness';
import { planDecode, type DecodeRow, type KvNode } from '../server/src/sampling/attentionPlan';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const SUFFIX = 16;
const HEAD_DIM = 64;
const HEADS = 8;

interface AttentionRow {
  kind: 'MHA' | 'GQA4';
  batch: number;
  prefix: number;
  hydragenMs: number;
  baselineMs: number;
  speedup: number;
}

async function timePlan(attention: TreeAttention, plan: AttentionPlan, buffers: PlanBuffers, budgetMs: number): Promise<number> {
  await runAttentionPlan(attention, plan, buffers);
  const t0 = performance.now();
  await runAttentionPlan(attention, plan, buffers);
  const once = performance.now() - t0;
  const reps = Math.max(1, Math.min(20, Math.floor(budgetMs / Math.max(once, 1e-3))));
  const times: number[] = [once];
  for (let i = 1; i < reps; i++) {
    const t = performance.now();
    await runAttentionPlan(attention, plan, buffers);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function attentionBench(): Promise<{ rows: AttentionRow[]; compileMs: Record<string, number> }> {
  const gpu = await getGpu();
  const device = gpu.device;
  const batches = quick ? [1, 8, 64] : [1, 8, 32, 64, 128];
  const prefixes = quick ? [512, 8192] : [512, 2048, 8192, 16384];
  const rows: AttentionRow[] = [];
  const compileMs: Record<string, number> = {};
  for (const kind of ['MHA', 'GQA4'] as const) {
    const numKvHeads = kind === 'MHA' ? HEADS : HEADS / 4;
    const shape = { numLayers: 1, numHeads: HEADS, numKvHeads, headDim: HEAD_DIM };
    const maxB = Math.max(...batches);
    const capacity = Math.max(...prefixes) + maxB * SUFFIX;
    const t0 = performance.now();
    const kernels = await compileTreeAttention(device, shape);
    const attention = new TreeAttention(device, shape, kernels, capacity);
    const rowFloats = numKvHeads * HEAD_DIM;
    const fill = new Float32Array(capacity * rowFloats).map((_, i) => Math.sin(i * 0.37) * 0.5);
    device.queue.writeBuffer(attention.kPools[0], 0, fill);
    device.queue.writeBuffer(attention.vPools[0], 0, fill.map((x) => -x));
    const buffers = {
      q: uploadF32(device, new Float32Array(maxB * HEADS * HEAD_DIM).map((_, i) => Math.cos(i * 0.11)), 'q'),
      k: uploadF32(device, new Float32Array(maxB * rowFloats).fill(0.1), 'k'),
      v: uploadF32(device, new Float32Array(maxB * rowFloats).fill(0.2), 'v'),
      out: uploadF32(device, new Float32Array(maxB * HEADS * HEAD_DIM), 'out'),
    };
    // First dispatch of each pipeline (lavapipe compiles lazily): a tiny plan of each kind.
    const tinyNodes: KvNode[] = [{ start: 0, length: 64, parent: -1 }];
    const tinyRows: DecodeRow[] = [{ node: 0, suffixStart: 64, suffixLength: 1 }];
    const policy = { targetWorkgroups: 32, numKvHeads, group: HEADS / numKvHeads };
    let t = performance.now();
    await runAttentionPlan(attention, planDecode(tinyNodes, tinyRows, () => false, policy), buffers);
    compileMs[`${kind} perSequence+merge+store`] = performance.now() - t + (t - t0);
    t = performance.now();
    await runAttentionPlan(attention, planDecode(tinyNodes, tinyRows, () => true, policy), buffers);
    compileMs[`${kind} prefix`] = performance.now() - t;
    for (const prefix of prefixes) {
      for (const batch of batches) {
        const nodes: KvNode[] = [{ start: 0, length: prefix, parent: -1 }];
        const seqs: DecodeRow[] = Array.from({ length: batch }, (_, i) => ({ node: 0, suffixStart: prefix + i * SUFFIX, suffixLength: SUFFIX }));
        const budget = quick ? 300 : 1500;
        const hydragenMs = await timePlan(attention, planDecode(nodes, seqs, () => true, policy), buffers, budget);
        const baselineMs = await timePlan(attention, planDecode(nodes, seqs, () => false, policy), buffers, budget);
        const row = { kind, batch, prefix, hydragenMs, baselineMs, speedup: baselineMs / hydragenMs };
        rows.push(row);
        process.stdout.write(
          `${kind.padEnd(5)} B=${String(batch).padStart(4)} P=${String(prefix).padStart(6)}  hydragen ${hydragenMs.toFixed(2).padStart(9)} ms  baseline ${baselineMs.toFixed(2).padStart(9)} ms  ${row.speedup.toFixed(2)}x\n`,
        );
      }
    }
    attention.destroy();
  }
  return { rows, compileMs };
}

async function main(): Promise<void> {
  const gpu = await getGpu();
  process.stdout.write(`device: ${gpu.adapterInfo.vendor} ${gpu.adapterInfo.architecture} ${gpu.adapterInfo.description}; subgroups ${gpu.subgroups}\n`);
  process.stdout.write('decode attention, one layer, 8 query heads, head_dim 64, suffix 16 (median ms per step)\n');
  const attention = await attentionBench();
  for (const [k, v] of Object.entries(attention.compileMs)) process.stdout.write(`compile ${k}: ${(v / 1000).toFixed(1)} s\n`);
  const result = { device: gpu.adapterInfo, quick, attention: attention.rows, compileMs: attention.compileMs };
  process.stdout.write(JSON.stringify(result) + '\n');
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify(result, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:hydragen failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
