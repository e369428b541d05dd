// `npm run bench:profile [-- --prompt 1024] [--samples 32] [--tokens 4] [--chunk 256] [--weight-type f16]
//  [--layers 8] [--hidden 512]`: where the time of one job goes, per kernel family and per step.
//
// Runs one SamplingEngine job (after a warm-up job that pays the compiles) on the bench:job model with
// every compute pass of every forward timed by GPU timestamp queries (`timestampWrites`), and splits
// each forward into: the passes by kernel and dispatch shape (matmuls by weight shape and rows), the
// gaps between passes (the per-dispatch cost of the runtime: barriers, pass set-up), the host's
// encoding (createCommandEncoder to finish) and the rest of the forward's wall time (submit, wait,
// read-back). Prefill chunks and decode steps are reported apart; tree attention is one pass per layer
// (KV store + prefix + per-sequence + merge). Nothing in the engine changes: the profiler wraps the
// device's command encoders, so the numbers are those of the product's own forwards (timestamps add a
// little work per pass).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { testModel } from '../test/helpers/models';
import { SamplingEngine } from '../server/src/sampling/engine';
import { getGpu } from '../server/src/gpu/device';
import { ModelRunner } from '../server/src/model/runner';
import { defaultSampleParams } from '../src/protocol/sampling';
import { benchModelSpec } from './benchModel';

const { values } = parseArgs({
  options: {
    prompt: { type: 'string', default: '1024' },
    samples: { type: 'string', default: '32' },
    tokens: { type: 'string', default: '4' },
    chunk: { type: 'string', default: '256' },
    'weight-type': { type: 'string', default: 'f16' },
    layers: { type: 'string', default: '8' },
    hidden: { type: 'string', default: '512' },
  },
});
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const hidden = Number(values.hidden);
const spec = benchModelSpec({ hidden, layers: Number(values.layers), weightType: values['weight-type'] as string, contextLength: Number(values.prompt) + Number(values.tokens) + 64 });

/** One timed pass: its pipelines and dispatch sizes name it. */
interface PassRecord {
  name: string;
}

/** One forward: its passes (timestamps resolved into `read`), host encode time and wall time. */
interface ForwardRecord {
  rows: number;
  passes: PassRecord[];
  read: GPUBuffer;
  querySet: GPUQuerySet;
  encodeMs: number;
  wallMs: number;
  /** Filled after the job: [begin, end] ns per pass. */
  times?: BigInt64Array;
}

const MAX_PASSES = 2048;
const forwards: ForwardRecord[] = [];
let current: ForwardRecord | undefined;
let recording = false;

function instrument(device: GPUDevice): void {
  const create = device.createCommandEncoder.bind(device);
  device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor) => {
    const encoder = create(descriptor);
    if (!recording || descriptor?.label !== 'forward') return encoder;
    const t0 = performance.now();
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PASSES });
    const record: ForwardRecord = { rows: 0, passes: [], querySet, read: device.createBuffer({ size: 16 * MAX_PASSES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }), encodeMs: 0, wallMs: 0 };
    current = record;
    const begin = encoder.beginComputePass.bind(encoder);
    encoder.beginComputePass = (d?: GPUComputePassDescriptor) => {
      const i = record.passes.length;
      if (i >= MAX_PASSES) throw new Error(`more than ${MAX_PASSES} passes in one forward`);
      const passRecord: PassRecord = { name: '' };
      record.passes.push(passRecord);
      const pass = begin({ ...d, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      const names: string[] = [];
      const setPipeline = pass.setPipeline.bind(pass);
      let pipelineLabel = '';
      pass.setPipeline = (p: GPUComputePipeline) => {
        pipelineLabel = p.label;
        setPipeline(p);
      };
      const dispatchWorkgroups = pass.dispatchWorkgroups.bind(pass);
      pass.dispatchWorkgroups = (x: number, y = 1, z = 1) => {
        names.push(`${pipelineLabel} ${x}×${y}×${z}`);
        dispatchWorkgroups(x, y, z);
      };
      const end = pass.end.bind(pass);
      pass.end = () => {
        // Attention's pass holds several dispatches whose grids follow the plan: name it by its pipelines.
        passRecord.name = names.length === 1 ? names[0] : `[${[...new Set(names.map((n) => n.split(' ')[0]))].join(' + ')}]`;
        end();
      };
      return pass;
    };
    const finish = encoder.finish.bind(encoder);
    encoder.finish = (d?: GPUCommandBufferDescriptor) => {
      const n = record.passes.length;
      const resolved = device.createBuffer({ size: 16 * MAX_PASSES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      encoder.resolveQuerySet(querySet, 0, 2 * n, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, record.read, 0, 16 * n);
      record.encodeMs = performance.now() - t0;
      return finish(d);
    };
    return encoder;
  };
}

async function main(): Promise<void> {
  const m = testModel(spec);
  const gpu = await getGpu();
  if (!gpu.device.features.has('timestamp-query')) throw new Error('this adapter has no timestamp-query: the profiler needs it');
  instrument(gpu.device);
  const forward = ModelRunner.prototype.forward;
  ModelRunner.prototype.forward = async function (this: ModelRunner, ...args: Parameters<typeof forward>) {
    const t0 = performance.now();
    const out = await forward.apply(this, args);
    if (recording && current) {
      current.rows = args[0].tokens.length;
      current.wallMs = performance.now() - t0;
      forwards.push(current);
      current = undefined;
    }
    return out;
  };
  const prompt = Number(values.prompt);
  const n = Number(values.samples);
  const promptOf = (count: number) => Array.from({ length: count }, (_, i) => 16 + ((i * 7919 + 13) % 4000));
  const engine = await SamplingEngine.load(m.gguf, { maxBatch: n, kvBudgetBytes: 8 * 1024 ** 3, prefillChunk: Number(values.chunk) });
  try {
    const job = async (count: number, maxTokens: number) =>
      engine.sample({ bos: false, root: { tokens: promptOf(count), n } }, { ...defaultSampleParams, temperature: 1, topP: 1, maxTokens, seed: 3 }, { onSample: () => {} }, new AbortController().signal);
    await job(Math.min(prompt, 600), 2);
    recording = true;
    const load0 = loadavg()[0];
    const totals = await job(prompt, Number(values.tokens));
    recording = false;
    for (const f of forwards) {
      await f.read.mapAsync(GPUMapMode.READ);
      f.times = new BigInt64Array(f.read.getMappedRange().slice(0, 16 * f.passes.length));
      f.read.unmap();
    }
    process.stdout.write(`model: d=${hidden}, ff=${spec.intermediateSize}, ${spec.numLayers} layers, ${spec.weightType}; P=${prompt}, N=${n}, ${values.tokens} tokens; chunk ${values.chunk}; load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}\n`);
    process.stdout.write(`engine totals: prefill ${totals.prefillMs.toFixed(0)} ms, decode ${totals.decodeMs.toFixed(0)} ms\n`);
    report('prefill', forwards.filter((f) => f.rows > n));
    report('decode', forwards.filter((f) => f.rows <= n));
  } finally {
    await engine.close();
  }
}

/** Per forward on average: each pass family's GPU time, the gaps, encode and the rest of the wall time. */
function report(title: string, fs: ForwardRecord[]): void {
  if (fs.length === 0) return;
  const byName = new Map<string, { ms: number; count: number }>();
  let gapMs = 0;
  let gpuMs = 0;
  for (const f of fs) {
    const t = f.times!;
    for (let i = 0; i < f.passes.length; i++) {
      const ms = Number(t[2 * i + 1] - t[2 * i]) / 1e6;
      const e = byName.get(f.passes[i].name) ?? { ms: 0, count: 0 };
      e.ms += ms;
      e.count++;
      byName.set(f.passes[i].name, e);
      if (i > 0) gapMs += Number(t[2 * i] - t[2 * i - 1]) / 1e6;
    }
    gpuMs += Number(t[2 * f.passes.length - 1] - t[0]) / 1e6;
  }
  const k = fs.length;
  const wall = fs.reduce((a, f) => a + f.wallMs, 0) / k;
  const encode = fs.reduce((a, f) => a + f.encodeMs, 0) / k;
  const passes = fs.reduce((a, f) => a + f.passes.length, 0) / k;
  process.stdout.write(`\n${title}: ${k} forwards of ${[...new Set(fs.map((f) => f.rows))].join('/')} rows, ${passes.toFixed(0)} passes each; per forward: wall ${wall.toFixed(1)} ms = GPU span ${(gpuMs / k).toFixed(1)} ms (passes ${((gpuMs - gapMs) / k).toFixed(1)} + gaps ${(gapMs / k).toFixed(1)}) + host encode ${encode.toFixed(1)} ms + other ${(wall - gpuMs / k - encode).toFixed(1)} ms\n`);
  const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [name, e] of rows) {
    process.stdout.write(`  ${((e.ms / k).toFixed(2) + ' ms').padStart(11)} ${((100 * e.ms) / gpuMs).toFixed(1).padStart(5)}%  ×${(e.count / k).toFixed(0).padStart(3)}  ${name}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:profile failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
