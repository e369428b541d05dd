// `npm run bench:engine [-- --weight-type f32|f16|q8_0] [--arch llama|qwen2] [--prompt N] [--decode N]
//  [--shader-cache] [--json FILE]`: prefill and decode tokens/s of our WebGPU engine next to llama.cpp's
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
    'shader-cache': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
if (!values['shader-cache']) process.env.MESA_SHADER_CACHE_DISABLE = 'true';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const promptTokens = Number(values.prompt);
const decodeTokens = Number(values.decode);
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

async function ours(path: string, noSubgroups: boolean): Promise<EngineResult> {
  const { loadModel } = await import('../server/src/model/load');
  const { ModelRunner } = await import('../server/src/model/runner');
  const { ContiguousKvAttention } = await import('../server/src/model/kvCacheAttention');
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
  const decodeS = (performance.now() - d0) / 1000;
  attention.destroy();
  runner.destroy();
  return {
    engine: noSubgroups ? 'hydrapatch WebGPU (portable)' : 'hydrapatch WebGPU (subgroups)',
    prefillTokensPerS: promptTokens / prefillS,
    decodeTokensPerS: decodeTokens / decodeS,
    firstTokenMs,
  };
}

async function llamaCpp(path: string, vocab: number): Promise<EngineResult> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const threads = availableParallelism();
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: 'never', maxThreads: threads });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 1024, batchSize: promptTokens, sequences: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', threads });
  const sequence = context.getSequence();
  const prompt = promptOf(vocab) as Token[];
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
  await context.dispose();
  await model.dispose();
  return { engine: 'llama.cpp CPU (node-llama-cpp)', prefillTokensPerS: promptTokens / ((first - t0) / 1000), decodeTokensPerS: decodeTokens / ((end - first) / 1000) };
}

async function main(): Promise<void> {
  const m = testModel(spec);
  const { getGpu } = await import('../server/src/gpu/device');
  const gpu = await getGpu();
  const results: EngineResult[] = [];
  results.push(await ours(m.gguf, false));
  if (gpu.subgroups) results.push(await ours(m.gguf, true));
  results.push(await llamaCpp(m.gguf, m.spec.vocabSize));
  const ref = results[results.length - 1];
  const lines = [
    `model: ${m.spec.arch} ${m.spec.weightType}, d=${m.spec.hiddenSize}, ff=${m.spec.intermediateSize}, ${m.spec.numLayers} layers, ${m.spec.numHeads}/${m.spec.numKvHeads} heads × ${m.spec.headDim}, vocab ${m.spec.vocabSize}; prompt ${promptTokens}, decode ${decodeTokens}`,
    `device: ${gpu.adapterInfo.description || gpu.adapterInfo.device} (subgroups: ${gpu.subgroups}); shader cache: ${values['shader-cache'] ? 'on' : 'off'}`,
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
  const json = { model: m.spec, promptTokens, decodeTokens, device: gpu.adapterInfo, shaderCache: values['shader-cache'], results };
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
