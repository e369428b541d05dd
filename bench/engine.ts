// `npm run bench:engine [-- --weight-type f32|f16|q8_0] [--arch llama|qwen2] [--prompt N] [--decode N]
//  [--repeat N] [--shader-cache] [--json FILE]`: prefill and decode tokens/s of our WebGPU engine next to llama.cpp's
// (node-llama-cpp, CPU, same thread count as cores) on the same generated GGUF, measured in one run,
// plus our first-token latency including weight upload and shader compiles (Mesa's shader disk cache
// is off unless --shader-cache, so compiles are counted as a fresh machine sees them).
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { testModel } from '../test/helpers/models';
import type { TestModelSpec } from '../scripts/testModels/randomModel';
import type { Token } from 'node-llama-cpp';

const { values } = parseArgs({
  options: {
    'weight-type': { type: 'string', default: 'f32' },
    arch: { type: 'string', default: 'llama' },
    prompt: { type: 'string', default: '128' },
    decode: { type: 'string', default: '32' },
    repeat: { type: 'string', default: '3' },
    'shader-cache': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
if (!values['shader-cache']) process.env.MESA_SHADER_CACHE_DISABLE = 'true';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const promptTokens = Number(values.prompt);
const decodeTokens = Number(values.decode);
const repeats = Math.max(1, Number(values.repeat));
const spec: Partial<TestModelSpec> = {
  arch: values.arch as TestModelSpec['arch'],
  weightType: values['weight-type'] as TestModelSpec['weightType'],
  vocabSize: 4096,
  hiddenSize: 512,
  intermediateSize: 1408,
  numLayers: 4,
  numHeads: 8,
  numKvHeads: 2,
  headDim: 64,
  contextLength: 1024,
  seed: 5,
};

function promptOf(vocab: number): number[] {
  return Array.from({ length: promptTokens }, (_, i) => (i * 7919 + 13) % vocab);
}

interface EngineResult {
  engine: string;
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  firstTokenMs?: number;
}

/** One engine, loaded once; each measure() is one prefill of the prompt and `decodeTokens` greedy steps. */
interface Engine {
  name: string;
  firstTokenMs?: number;
  measure(): Promise<{ prefillTokensPerS: number; decodeTokensPerS: number }>;
  close(): Promise<void>;
}

async function ours(path: string, noSubgroups: boolean): Promise<Engine> {
  const { loadModel } = await import('../server/src/model/load');
  const { ModelRunner } = await import('../server/src/model/runner');
  const { ContiguousKvAttention } = await import('../server/src/gpu/attention/contiguousStep');
  const t0 = performance.now();
  const model = await loadModel(path);
  const runner = await ModelRunner.create(model, { noSubgroups });
  const attention = new ContiguousKvAttention(runner.gpu.device, runner, model.config.contextLength);
  const prompt = Int32Array.from(promptOf(model.config.vocabSize));
  const positions = Int32Array.from(prompt, (_, i) => i);
  await runner.forward({ tokens: prompt, positions }, attention);
  // Compiles of the decode-shaped (one row) kernels belong to the first token's wait as well.
  await runner.forward({ tokens: Int32Array.of(1), positions: Int32Array.of(attention.length) }, attention);
  const firstTokenMs = performance.now() - t0;
  return {
    name: noSubgroups ? 'hydrapatch WebGPU (portable)' : 'hydrapatch WebGPU (subgroups)',
    firstTokenMs,
    async measure() {
      attention.reset();
      const p0 = performance.now();
      let logits = await runner.forward({ tokens: prompt, positions }, attention);
      const prefillS = (performance.now() - p0) / 1000;
      const d0 = performance.now();
      for (let i = 0; i < decodeTokens; i++) {
        let next = 0;
        for (let v = 1; v < logits.length; v++) if (logits[v] > logits[next]) next = v;
        logits = await runner.forward({ tokens: Int32Array.of(next), positions: Int32Array.of(attention.length) }, attention);
      }
      return { prefillTokensPerS: promptTokens / prefillS, decodeTokensPerS: decodeTokens / ((performance.now() - d0) / 1000) };
    },
    async close() {
      attention.destroy();
      runner.destroy();
    },
  };
}

async function llamaCpp(path: string, vocab: number): Promise<Engine> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const threads = availableParallelism();
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: 'never', maxThreads: threads });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 1024, batchSize: promptTokens, sequences: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', threads });
  const sequence = context.getSequence();
  const prompt = promptOf(vocab) as Token[];
  return {
    name: 'llama.cpp CPU (node-llama-cpp)',
    async measure() {
      await sequence.clearHistory();
      // Greedy generation of decodeTokens+1 tokens: the wait for the first is the prefill, the rest decode.
      let first = 0;
      let count = 0;
      const t0 = performance.now();
      for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        void token;
        if (count === 0) first = performance.now();
        if (++count > decodeTokens) break;
      }
      const end = performance.now();
      return { prefillTokensPerS: promptTokens / ((first - t0) / 1000), decodeTokensPerS: decodeTokens / ((end - first) / 1000) };
    },
    async close() {
      await context.dispose();
      await model.dispose();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const m = testModel(spec);
  const { getGpu } = await import('../server/src/gpu/device');
  const gpu = await getGpu();
  const engines: Engine[] = [await ours(m.gguf, false)];
  if (gpu.caps.subgroups) engines.push(await ours(m.gguf, true));
  engines.push(await llamaCpp(m.gguf, m.spec.vocabSize));
  // Rounds interleave the engines so that a burst of load on this shared machine hits them alike;
  // medians over the rounds are reported.
  const samples = engines.map(() => ({ prefill: [] as number[], decode: [] as number[] }));
  for (let round = 0; round < repeats; round++) {
    for (let i = 0; i < engines.length; i++) {
      const r = await engines[i].measure();
      samples[i].prefill.push(r.prefillTokensPerS);
      samples[i].decode.push(r.decodeTokensPerS);
    }
  }
  for (const e of engines) await e.close();
  const results: EngineResult[] = engines.map((e, i) => ({
    engine: e.name,
    prefillTokensPerS: median(samples[i].prefill),
    decodeTokensPerS: median(samples[i].decode),
    firstTokenMs: e.firstTokenMs,
  }));
  const ref = results[results.length - 1];
  const lines = [
    `model: ${m.spec.arch} ${m.spec.weightType}, d=${m.spec.hiddenSize}, ff=${m.spec.intermediateSize}, ${m.spec.numLayers} layers, ${m.spec.numHeads}/${m.spec.numKvHeads} heads × ${m.spec.headDim}, vocab ${m.spec.vocabSize}; prompt ${promptTokens}, decode ${decodeTokens}; median of ${repeats} interleaved rounds`,
    `device: ${gpu.adapterInfo.description || gpu.adapterInfo.device} (subgroups: ${gpu.caps.subgroups}); shader cache: ${values['shader-cache'] ? 'on' : 'off'}`,
    '',
    `${'engine'.padEnd(32)} ${'prefill tok/s'.padStart(14)} ${'decode tok/s'.padStart(13)} ${'vs llama.cpp'.padStart(16)} ${'first token ms'.padStart(15)}`,
    ...results.map((r) =>
      [
        r.engine.padEnd(32),
        r.prefillTokensPerS.toFixed(1).padStart(14),
        r.decodeTokensPerS.toFixed(1).padStart(13),
        `${(r.prefillTokensPerS / ref.prefillTokensPerS).toFixed(2)}× / ${(r.decodeTokensPerS / ref.decodeTokensPerS).toFixed(2)}×`.padStart(16),
        (r.firstTokenMs === undefined ? '-' : r.firstTokenMs.toFixed(0)).padStart(15),
      ].join(' '),
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const json = { model: m.spec, promptTokens, decodeTokens, repeats, samples: engines.map((e, i) => ({ engine: e.name, ...samples[i] })), device: gpu.adapterInfo, shaderCache: values['shader-cache'], results };
  process.stdout.write(JSON.stringify(json) + '\n');
  if (values.json) writeFileSync(values.json, JSON.stringify(json, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:engine failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
