// Writes a tiny random-weight model in both formats (GGUF + Hugging Face folder).
// Usage: npx tsx scripts/genTestModels.ts OUT_DIR [--arch llama|qwen2] [--weight-type f32|f16|q8_0]
//        [--vocab gpt2|spm] [--vocab-size N] [--hidden N] [--intermediate N] [--layers N] [--heads N]
//        [--kv-heads N] [--head-dim N] [--tied] [--seed N] [--context N] [--shards N]
import { parseArgs } from 'node:util';
import { type TestModelSpec, writeTestModel } from './testModels/randomModel';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    arch: { type: 'string', default: 'llama' },
    'weight-type': { type: 'string', default: 'f32' },
    vocab: { type: 'string', default: 'gpt2' },
    'vocab-size': { type: 'string', default: '512' },
    hidden: { type: 'string', default: '64' },
    intermediate: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    heads: { type: 'string', default: '4' },
    'kv-heads': { type: 'string', default: '2' },
    'head-dim': { type: 'string', default: '16' },
    tied: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    context: { type: 'string', default: '256' },
    shards: { type: 'string', default: '1' },
  },
});

if (positionals.length !== 1) {
  console.error('usage: npx tsx scripts/genTestModels.ts OUT_DIR [options] (see the header of this file)');
  process.exit(2);
}
function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  console.error(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  process.exit(2);
}

const spec: TestModelSpec = {
  arch: oneOf('arch', values.arch, ['llama', 'qwen2'] as const),
  weightType: oneOf('weight-type', values['weight-type'], ['f32', 'f16', 'q8_0'] as const),
  vocab: oneOf('vocab', values.vocab, ['gpt2', 'spm'] as const),
  vocabSize: Number(values['vocab-size']),
  hiddenSize: Number(values.hidden),
  intermediateSize: Number(values.intermediate),
  numLayers: Number(values.layers),
  numHeads: Number(values.heads),
  numKvHeads: Number(values['kv-heads']),
  headDim: Number(values['head-dim']),
  tied: values.tied,
  seed: Number(values.seed),
  contextLength: Number(values.context),
  hfShards: Number(values.shards),
};
for (const [key, value] of Object.entries(spec)) {
  if (typeof value === 'number' && !(Number.isInteger(value) && (value > 0 || (key === 'seed' && value === 0)))) {
    console.error(`${key} must be a positive integer, got ${value}`);
    process.exit(2);
  }
}
const files = writeTestModel(spec, positionals[0]);
console.log(JSON.stringify(files));
