// `npm run bench:job [-- --quick] [--prompt 2048,8192] [--samples 8,32,64] [--tokens 32]
//  [--weight-type f16|q8_0|…] [--layers 8] [--hidden 512] [--json FILE]`: a whole repair job, ours
// next to llama.cpp on the same machine and the same generated GGUF, measured in one run.
//
// A job is what a user waits for: the shared prompt (P tokens) prefilled once, then N samples of T
// tokens each. Ours: one SamplingEngine job (Hydragen, path chosen per node from measured cost), its
// own prefill and decode times (JobTotals). llama.cpp (node-llama-cpp, CPU, as many threads as cores):
// the prompt evaluated once in one sequence, its state copied into the N sequences (timed apart: that
// is what llama.cpp needs to share a prefix between sequences here), then T batched decode steps of
// all N sequences. Both sides keep the KV cache at their defaults (llama.cpp F16; ours reports its
// own). The default model is the d=512, 8-layer, 8-head F16 model the speed issue is stated on.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { testModel } from '../test/helpers/models';
import { SamplingEngine } from '../server/src/sampling/engine';
import { getGpu } from '../server/src/gpu/device';
import { defaultSampleParams } from '../src/protocol/sampling';
import { decodeStep, withPrefixSequences } from './llamaCppPrefix';
import { BENCH_HEADS, benchModelSpec } from './benchModel';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    prompt: { type: 'string' },
    samples: { type: 'string' },
    tokens: { type: 'string', default: '32' },
    'weight-type': { type: 'string', default: 'f16' },
    layers: { type: 'string', default: '8' },
    hidden: { type: 'string', default: '512' },
    json: { type: 'string' },
  },
});
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const list = (s: string | undefined, fallback: number[]) => (s ? s.split(',').map((x) => Number(x.trim())) : fallback);
const prompts = list(values.prompt, values.quick ? [4096] : [2048, 8192]);
const sampleCounts = list(values.samples, values.quick ? [32] : [8, 32, 64]);
const tokens = Number(values.tokens);
const hidden = Number(values.hidden);
const heads = BENCH_HEADS;
const checks: [string, number][] = [['--tokens', tokens], ['--layers', Number(values.layers)], ['--hidden', hidden], ...prompts.map((p): [string, number] => ['--prompt', p]), ...sampleCounts.map((n): [string, number] => ['--samples', n])];
for (const [name, v] of checks) {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} takes positive whole numbers (got ${v})`);
}
if (hidden % heads !== 0 || (hidden / heads) % 16 !== 0) throw new Error(`--hidden must be a multiple of ${heads * 16} (${heads} heads, head_dim a multiple of 16)`);

const spec = benchModelSpec({ hidden, layers: Number(values.layers), weightType: values['weight-type'] as string, contextLength: Math.max(...prompts) + tokens + 64 });

/** The shared prompt: deterministic ids away from the special tokens at the start of the vocabulary. */
function promptOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 16 + ((i * 7919 + 13) % 4000));
}

interface Side {
  prefillS: number;
  decodeS: number;
  /** llama.cpp only: copying the prefix's state into each sequence. */
  copyS?: number;
  generated: number;
}

/** Ours: bytes per cached K or V value, read from the engine (4: f32, 2: f16). */
let kvBytesPerValue = 0;

const wholeS = (s: Side) => s.prefillS + (s.copyS ?? 0) + s.decodeS;

async function ours(gguf: string, prompt: number, n: number): Promise<Side & { kvBytesPeak: number; attention: string; warmUpS: number }> {
  const engine = await SamplingEngine.load(gguf, { maxBatch: n, kvBudgetBytes: 8 * 1024 ** 3 });
  try {
    // A warm server has compiled its kernels: a short job of the same batch compiles them first (timed apart).
    const w0 = performance.now();
    await engine.sample(
      { bos: false, root: { tokens: promptOf(Math.min(prompt, 600)), n } },
      { ...defaultSampleParams, temperature: 1, maxTokens: 2, seed: 1 },
      { onSample: () => {} },
      new AbortController().signal,
    );
    const warmUpS = (performance.now() - w0) / 1000;
    const c = engine.modelInfo.config;
    kvBytesPerValue = engine.stats().kvBytesPerToken / (2 * c.numLayers * c.numKvHeads * c.headDim);
    const totals = await engine.sample(
      { bos: false, root: { tokens: promptOf(prompt), n } },
      // min_tokens is not a knob here: a random model rarely draws its EOS, and the rate counts what was generated.
      { ...defaultSampleParams, temperature: 1, topP: 1, maxTokens: tokens, seed: 3 },
      { onSample: () => {} },
      new AbortController().signal,
    );
    return { prefillS: totals.prefillMs / 1000, decodeS: totals.decodeMs / 1000, generated: totals.generatedTokens, kvBytesPeak: totals.kvBytesPeak, attention: totals.attention, warmUpS };
  } finally {
    await engine.close();
  }
}

async function llamaCpp(gguf: string, prompt: number, n: number): Promise<Side> {
  return withPrefixSequences(gguf, promptOf(prompt), n, { threads: availableParallelism(), extraTokens: tokens }, async ({ sequences, prefillS, copyS }) => {
    const t0 = performance.now();
    for (let step = 0; step < tokens; step++) await decodeStep(sequences, (i) => 16 + ((i * 7 + step * 13) % 4000));
    return { prefillS, copyS, decodeS: (performance.now() - t0) / 1000, generated: n * tokens };
  });
}

interface Row {
  prompt: number;
  samples: number;
  tokens: number;
  ours: Side & { kvBytesPeak: number; attention: string; warmUpS: number };
  llamaCpp?: Side;
  llamaCppError?: string;
  /** ours/llama.cpp as speed (their time over ours): > 1 means ours is faster. */
  prefillRatio?: number;
  decodeRatio?: number;
  jobRatio?: number;
}

const f = (s: number) => `${s.toFixed(1)} s`;
const x = (r: number | undefined) => (r === undefined ? '-' : `${r.toFixed(2)}×`);

async function main(): Promise<void> {
  const m = testModel(spec);
  const gpu = await getGpu();
  const header = [
    `model: ${m.spec.arch} ${m.spec.weightType}, d=${m.spec.hiddenSize}, ff=${m.spec.intermediateSize}, ${m.spec.numLayers} layers, ${m.spec.numHeads}/${m.spec.numKvHeads} heads × ${m.spec.headDim}, vocab ${m.spec.vocabSize}`,
    `device: ${gpu.adapterInfo.vendor} ${gpu.adapterInfo.architecture} ${gpu.adapterInfo.description} (subgroups ${gpu.caps.subgroups}); llama.cpp: CPU, ${availableParallelism()} threads`,
    `ratios are ours/llama.cpp in speed (llama.cpp's time over ours): above 1.00× ours is faster`,
    '',
    `${'P'.padStart(6)} ${'N×T'.padStart(7)} | ${'prefill ours'.padStart(12)} ${'llama.cpp'.padStart(10)} ${'ratio'.padStart(6)} | ${'decode ours'.padStart(11)} ${'llama.cpp'.padStart(10)} ${'(+copies)'.padStart(10)} ${'ratio'.padStart(6)} | ${'job ours'.padStart(9)} ${'llama.cpp'.padStart(10)} ${'ratio'.padStart(6)}`,
  ];
  process.stdout.write(header.join('\n') + '\n');
  const rows: Row[] = [];
  for (const prompt of prompts) {
    for (const samples of sampleCounts) {
      const o = await ours(m.gguf, prompt, samples);
      const row: Row = { prompt, samples, tokens, ours: o };
      try {
        const l = await llamaCpp(m.gguf, prompt, samples);
        // Rates, not times: a sample that drew EOS early generated fewer tokens on our side.
        Object.assign(row, {
          llamaCpp: l,
          prefillRatio: l.prefillS / o.prefillS,
          decodeRatio: o.generated / o.decodeS / (l.generated / (l.decodeS + (l.copyS ?? 0))),
          jobRatio: wholeS(l) / wholeS(o),
        });
      } catch (err) {
        row.llamaCppError = (err as Error).message;
      }
      rows.push(row);
      const l = row.llamaCpp;
      process.stdout.write(
        `${String(prompt).padStart(6)} ${`${samples}×${tokens}`.padStart(7)} | ${f(o.prefillS).padStart(12)} ${(l ? f(l.prefillS) : 'failed').padStart(10)} ${x(row.prefillRatio).padStart(6)} | ` +
          `${f(o.decodeS).padStart(11)} ${(l ? f(l.decodeS) : '-').padStart(10)} ${(l ? `+${f(l.copyS ?? 0)}` : '-').padStart(10)} ${x(row.decodeRatio).padStart(6)} | ` +
          `${f(wholeS(o)).padStart(9)} ${(l ? f(wholeS(l)) : '-').padStart(10)} ${x(row.jobRatio).padStart(6)}` +
          (row.llamaCppError ? `  (llama.cpp: ${row.llamaCppError})` : '') + '\n',
      );
    }
  }
  process.stdout.write(`ours: each job after a warm-up job of the same batch (its kernel compiles: ${rows.map((r) => f(r.ours.warmUpS)).join(', ')}); KV cache: ours ${kvBytesPerValue === 2 ? 'f16' : kvBytesPerValue === 4 ? 'f32' : `${kvBytesPerValue} bytes a value`}, llama.cpp f16\n`);
  const json = { model: m.spec, device: gpu.adapterInfo, tokens, rows };
  process.stdout.write(JSON.stringify(json) + '\n');
  if (values.json) writeFileSync(values.json, JSON.stringify(json, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:job failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
