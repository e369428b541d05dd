// `npm run bench:hydragen [-- --quick] [--json FILE] [--only attention|e2e] [--shader-cache]`: Hydragen vs the per-sequence (baseline) decode
// attention, measured side by side in one run: (1) the attention step alone, B sequences below one
// shared prefix of P tokens, each with its own 16-token suffix, MHA and GQA 4:1, head_dim 64, 8 query
// heads, plus the path `auto` picks from its calibrated cost model; (2) end-to-end decode tokens/s of
// a generated model (d=128, 2 layers) through the sampling engine on both paths, and llama.cpp
// (node-llama-cpp, same GGUF, B sequences each loaded with the evaluated prefix's state) on the same
// prompt. Prints tables and JSON.
import { writeFileSync } from 'node:fs';
import { testModel } from '../test/helpers/models';
import { SamplingEngine } from '../server/src/sampling/engine';
import { calibratePathCost, preferShared } from '../server/src/sampling/pathCost';
import { defaultSampleParams } from '../src/protocol/sampling';
import { decodeStep, withPrefixSequences } from './llamaCppPrefix';
import { getGpu } from '../server/src/gpu/device';
import type { AttentionPlan } from '../server/src/gpu/attention/plan';
import { compileTreeAttention, TreeAttention } from '../server/src/gpu/attention/treeStep';
import { uploadStorage } from '../server/src/gpu/buffers';
import { runAttentionPlan, type PlanBuffers } from '../server/src/sampling/runAttentionPlan';
import { planDecode, type DecodeRow, type KvNode } from '../server/src/sampling/attentionPlan';
import { maxQueriesPerLane, PREFIX_VARIANTS } from '../server/src/gpu/attention/hydragenAttention';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// Compile times are reported as a fresh machine sees them: Mesa's shader disk cache is off unless
// --shader-cache (with it, a second run compiles nothing).
if (!args.includes('--shader-cache')) process.env.MESA_SHADER_CACHE_DISABLE = 'true';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const onlyAt = args.indexOf('--only');
/** `--only attention` or `--only e2e` runs one half. */
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
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
  /** The path auto chose and its time over the better of the two. */
  auto: 'hydragen' | 'baseline';
  autoOverBest: number;
}

/**
 * Median ms of each plan, the two run alternately (A, B, A, B, ...) so that a change in the machine's
 * load during the measurement hits both sides alike, and the median of the per-pair ratios B/A: each
 * pair runs back to back, so its ratio sees one state of the machine (on this VM a plan's time swings
 * ±20% over seconds, and a ratio of two medians taken at different moments swings with it).
 */
async function timePair(attention: TreeAttention, a: AttentionPlan, b: AttentionPlan, buffers: PlanBuffers, budgetMs: number): Promise<[number, number, number]> {
  const once = async (plan: AttentionPlan) => {
    const t = performance.now();
    await runAttentionPlan(attention, plan, buffers);
    return performance.now() - t;
  };
  const ta = [await once(a)];
  const tb = [await once(b)];
  const reps = Math.max(3, Math.min(21, Math.floor(budgetMs / Math.max(ta[0] + tb[0], 1e-3))));
  for (let i = 0; i < reps; i++) {
    ta.push(await once(a));
    tb.push(await once(b));
  }
  const median = (xs: number[]) => xs.slice(1).sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
  return [median(ta), median(tb), median(tb.map((t, i) => t / ta[i]))];
}

async function attentionBench(): Promise<{ rows: AttentionRow[]; compileMs: Record<string, number> }> {
  const gpu = await getGpu();
  const device = gpu.device;
  const batches = quick ? [1, 8, 64] : [1, 8, 32, 64, 128];
  const prefixes = quick ? [128, 8192] : [128, 512, 2048, 8192, 16384];
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
      q: uploadStorage(device, 'q', new Float32Array(maxB * HEADS * HEAD_DIM).map((_, i) => Math.cos(i * 0.11))),
      k: uploadStorage(device, 'k', new Float32Array(maxB * rowFloats).fill(0.1)),
      v: uploadStorage(device, 'v', new Float32Array(maxB * rowFloats).fill(0.2)),
      out: uploadStorage(device, 'out', new Float32Array(maxB * HEADS * HEAD_DIM)),
    };
    // First dispatch of each pipeline (lavapipe compiles lazily): a tiny plan of each kind.
    const tinyNodes: KvNode[] = [{ start: 0, length: 64, parent: -1 }];
    const tinyRows: DecodeRow[] = [{ node: 0, suffixStart: 64, suffixLength: 1 }];
    const policy = { targetWorkgroups: 32, numKvHeads, group: HEADS / numKvHeads, headDim: HEAD_DIM };
    let t = performance.now();
    await runAttentionPlan(attention, planDecode(tinyNodes, tinyRows, () => false, policy), buffers);
    compileMs[`${kind} perSequence+merge+store`] = performance.now() - t + (t - t0);
    // Each prefixAttention variant on its own (forced; the plans below pick them by batch size).
    for (const queriesPerLane of PREFIX_VARIANTS.filter((q) => q <= maxQueriesPerLane(HEAD_DIM))) {
      t = performance.now();
      await runAttentionPlan(attention, planDecode(tinyNodes, tinyRows, () => true, { ...policy, queriesPerLane }), buffers);
      compileMs[`${kind} prefix ${queriesPerLane}/lane`] = performance.now() - t;
    }
    const cost = await calibratePathCost(device, shape, kernels, policy);
    for (const prefix of prefixes) {
      for (const batch of batches) {
        const nodes: KvNode[] = [{ start: 0, length: prefix, parent: -1 }];
        const seqs: DecodeRow[] = Array.from({ length: batch }, (_, i) => ({ node: 0, suffixStart: prefix + i * SUFFIX, suffixLength: SUFFIX }));
        const budget = quick ? 500 : 1500;
        const [hydragenMs, baselineMs, speedup] = await timePair(attention, planDecode(nodes, seqs, () => true, policy), planDecode(nodes, seqs, () => false, policy), buffers, budget);
        const auto = preferShared(cost, shape, prefix, batch) ? 'hydragen' : 'baseline';
        // speedup is baseline/hydragen per back-to-back pair (median): the ratio the goals are stated in.
        const row = { kind, batch, prefix, hydragenMs, baselineMs, speedup, auto, autoOverBest: auto === 'hydragen' ? Math.max(1, 1 / speedup) : Math.max(1, speedup) } as const;
        rows.push(row);
        process.stdout.write(
          `${kind.padEnd(5)} B=${String(batch).padStart(4)} P=${String(prefix).padStart(6)}  hydragen ${hydragenMs.toFixed(2).padStart(9)} ms  baseline ${baselineMs.toFixed(2).padStart(9)} ms  ${row.speedup.toFixed(2).padStart(6)}x  auto: ${auto.padEnd(8)} ${row.autoOverBest.toFixed(2)}x best\n`,
        );
      }
    }
    attention.destroy();
  }
  return { rows, compileMs };
}

interface EndToEndRow {
  batch: number;
  prefix: number;
  steps: number;
  hydragenTokensPerSecond: number;
  baselineTokensPerSecond: number;
  speedup: number;
  llamaCppTokensPerSecond?: number;
  oursOverLlamaCpp?: number;
}

const E2E_SPEC = { hiddenSize: 128, intermediateSize: 384, numLayers: 2, numHeads: 2, numKvHeads: 2, headDim: 64, vocabSize: 512, contextLength: 20480, seed: 11 };

function promptTokens(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 + ((i * 131 + 7) % 500));
}

/**
 * Decode tokens/s of the engine on both paths, measured on the same sequences: one job, the path
 * switched after every step (the paths are exact, so the sequences continue alike), median per path.
 */
async function oursTokensPerSecond(gguf: string, batch: number, prefix: number, steps: number): Promise<{ hydragen: number; baseline: number }> {
  const engine = await SamplingEngine.load(gguf, { attention: 'hydragen', maxBatch: batch, prefillChunk: 512 });
  const perPath: Record<'hydragen' | 'baseline', number[]> = { hydragen: [], baseline: [] };
  let current: 'hydragen' | 'baseline' = 'hydragen';
  try {
    await engine.sample(
      { bos: false, root: { tokens: promptTokens(prefix), n: batch } },
      { ...defaultSampleParams, temperature: 1, topP: 1, maxTokens: 2 * steps + 1, seed: 1 },
      {
        onSample: () => {},
        onStep: ({ rows, ms }) => {
          perPath[current].push((rows * 1000) / ms);
          current = current === 'hydragen' ? 'baseline' : 'hydragen';
          engine.setAttention(current);
        },
      },
      new AbortController().signal,
    );
  } finally {
    await engine.close();
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { hydragen: median(perPath.hydragen), baseline: median(perPath.baseline) };
}

/** llama.cpp: the prefix evaluated once, its state loaded into B sequences, then `steps` batched decode steps. */
async function llamaCppTokensPerSecond(gguf: string, batch: number, prefix: number, steps: number): Promise<number> {
  return withPrefixSequences(gguf, promptTokens(prefix), batch, { threads: 2, extraTokens: steps, f32Kv: true }, async ({ sequences }) => {
    // Median over steps, as for ours: a burst of load on the shared machine then skews neither side.
    const rates: number[] = [];
    for (let step = 0; step < steps; step++) {
      const t0 = performance.now();
      await decodeStep(sequences, (i) => 1 + ((i * 7 + step * 13) % 500));
      rates.push((batch * 1000) / (performance.now() - t0));
    }
    return rates.sort((a, b) => a - b)[Math.floor(steps / 2)];
  });
}

async function endToEndBench(): Promise<EndToEndRow[]> {
  const { gguf } = testModel(E2E_SPEC);
  const configs = quick ? [[64, 8192]] : [[8, 1024], [32, 1024], [64, 1024], [8, 8192], [32, 8192], [64, 8192]];
  const steps = quick ? 8 : 12;
  const rows: EndToEndRow[] = [];
  for (const [batch, prefix] of configs) {
    const { hydragen: h, baseline: b } = await oursTokensPerSecond(gguf, batch, prefix, steps);
    const l = await llamaCppTokensPerSecond(gguf, batch, prefix, steps).catch((err: Error) => {
      process.stdout.write(`llama.cpp B=${batch} P=${prefix} failed: ${err.message}\n`);
      return undefined;
    });
    const row: EndToEndRow = { batch, prefix, steps, hydragenTokensPerSecond: h, baselineTokensPerSecond: b, speedup: h / b };
    if (l !== undefined) Object.assign(row, { llamaCppTokensPerSecond: l, oursOverLlamaCpp: Math.max(h, b) / l });
    rows.push(row);
    process.stdout.write(
      `e2e B=${String(batch).padStart(3)} P=${String(prefix).padStart(5)}  hydragen ${h.toFixed(1).padStart(8)} tok/s  baseline ${b.toFixed(1).padStart(8)} tok/s  ${row.speedup.toFixed(2)}x` +
        (l !== undefined ? `  llama.cpp ${l.toFixed(1).padStart(8)} tok/s  ours/llama.cpp ${(Math.max(h, b) / l).toFixed(2)}x` : '') + '\n',
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const gpu = await getGpu();
  process.stdout.write(`device: ${gpu.adapterInfo.vendor} ${gpu.adapterInfo.architecture} ${gpu.adapterInfo.description}; subgroups ${gpu.caps.subgroups}\n`);
  process.stdout.write('decode attention, one layer, 8 query heads, head_dim 64, suffix 16 (median ms per step)\n');
  const attention = only === 'e2e' ? { rows: [], compileMs: {} } : await attentionBench();
  for (const [k, v] of Object.entries(attention.compileMs)) process.stdout.write(`compile ${k}: ${(v / 1000).toFixed(1)} s\n`);
  process.stdout.write(`end-to-end decode, generated model d=128, 2 layers, 2 heads of 64, vocab 512 (tokens/s over decode steps)\n`);
  const endToEnd = only === 'attention' ? [] : await endToEndBench();
  const result = { device: gpu.adapterInfo, quick, attention: attention.rows, compileMs: attention.compileMs, endToEnd };
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
