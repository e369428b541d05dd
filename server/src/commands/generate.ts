// `hydrapatch-server generate --model PATH --prompt TEXT --max-tokens N --temperature T --seed S
// [--chat]`: one sample, streamed to stdout as it is decoded (single-sequence KV cache).
// With `-n N` or `--tree FILE`: N samples (or those the prompt tree asks for) through the sampling
// engine (shared prompt-tree KV, Hydragen decode), one JSON line per sample as each finishes;
// `--attention hydragen|baseline|auto` forces a path so that anyone can compare them on a prompt.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HydrapatchError } from '../../../src/protocol/errors';
import { defaultSampleParams, type SampleParams } from '../../../src/protocol/sampling';
import { loadModel } from '../model/load';
import { ModelRunner } from '../model/runner';
import { ContiguousKvAttention } from '../gpu/attention/contiguousStep';
import { pickToken, sampleUniform, validateSampleParams } from '../sampling/sampler';
import type { AttentionMode } from '../sampling/decodeStep';
import { SamplingEngine } from '../sampling/engine';
import type { PromptTree } from '../../../src/protocol/promptTree';

const usage = `usage: hydrapatch-server generate --model PATH --prompt TEXT [--max-tokens N] [--temperature T]
       [--top-p P] [--top-k K] [--min-p P] [--seed S] [--chat] [--stats]
       [-n N | --tree FILE] [--attention auto|hydragen|baseline] [--stop STR]... [--kv-budget-mb M] [--kv-type f16|f32] [--max-batch B]
  -n / --tree: one JSON line per sample {index, leaf, label, text, finishReason, tokenCount, logprob};
  --tree FILE: a JSON prompt tree {"root": {"text"|"tokens", "children"|"n"}, "bos"?}.`;

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new HydrapatchError('bad_arguments', `--${name} must be a number, got "${value}"`, usage);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      'min-p': { type: 'string' },
      chat: { type: 'boolean', default: false },
      stats: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      n: { type: 'string', short: 'n' },
      tree: { type: 'string' },
      attention: { type: 'string' },
      stop: { type: 'string', multiple: true },
      'kv-budget-mb': { type: 'string' },
      'kv-type': { type: 'string' },
      'max-batch': { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (!values.model || (values.prompt === undefined && values.tree === undefined)) {
    throw new HydrapatchError('bad_arguments', 'generate needs --model and --prompt (or --tree)', usage);
  }
  const params: SampleParams = {
    ...defaultSampleParams,
    maxTokens: numberOption('max-tokens', values['max-tokens'], 128),
    temperature: numberOption('temperature', values.temperature, defaultSampleParams.temperature),
    topP: numberOption('top-p', values['top-p'], 1),
    topK: numberOption('top-k', values['top-k'], 0),
    minP: numberOption('min-p', values['min-p'], 0),
    stop: values.stop ?? [],
    seed: numberOption('seed', values.seed, 0),
  };
  validateSampleParams(params);
  if (values.n !== undefined || values.tree !== undefined) return generateMany(values.model, values, params);
  if (values.prompt === undefined) throw new HydrapatchError('bad_arguments', 'generate needs --prompt', usage);

  const model = await loadModel(values.model);
  const { tokenizer, config } = model;
  let prompt: number[];
  if (values.chat) {
    if (!tokenizer.applyChatTemplate) throw new HydrapatchError('no_chat_template', `${values.model} has no chat template`, 'Run without --chat, or use a model that ships tokenizer.chat_template.');
    prompt = tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: values.prompt }]), { addBos: false });
  } else {
    prompt = tokenizer.encode(values.prompt);
  }
  if (prompt.length === 0) throw new HydrapatchError('empty_prompt', 'the prompt encodes to no tokens', 'Give a non-empty --prompt.');
  if (prompt.length >= config.contextLength) {
    throw new HydrapatchError('context_full', `the prompt has ${prompt.length} tokens; the context holds ${config.contextLength}`, 'Use a shorter prompt.');
  }

  const started = performance.now();
  const runner = await ModelRunner.create(model);
  const attention = new ContiguousKvAttention(runner.gpu.device, runner, config.contextLength);
  const budget = Math.min(params.maxTokens, config.contextLength - prompt.length);
  let logits = await runner.forward({ tokens: Int32Array.from(prompt), positions: Int32Array.from(prompt, (_, i) => i) }, attention);
  const firstToken = performance.now();
  const generated: number[] = [];
  let printed = '';
  while (generated.length < budget) {
    const { token } = pickToken(logits, params, sampleUniform(params.seed, 0, generated.length));
    if (tokenizer.eosIds.includes(token)) break;
    generated.push(token);
    const text = tokenizer.decode(generated);
    // Hold back a trailing partial UTF-8 sequence until its last byte arrives.
    if (!text.endsWith('\uFFFD') && text.startsWith(printed)) {
      process.stdout.write(text.slice(printed.length));
      printed = text;
    }
    if (generated.length === budget) break;
    logits = await runner.forward({ tokens: Int32Array.of(token), positions: Int32Array.of(attention.length) }, attention);
  }
  const text = tokenizer.decode(generated);
  process.stdout.write((text.startsWith(printed) ? text.slice(printed.length) : '') + '\n');
  if (values.stats) {
    const done = performance.now();
    const decodeS = (done - firstToken) / 1000;
    process.stderr.write(
      `prompt ${prompt.length} tokens, generated ${generated.length}; first token ${(firstToken - started).toFixed(0)} ms (incl. upload and shader compiles); ` +
        `decode ${generated.length > 1 ? ((generated.length - 1) / decodeS).toFixed(2) : '-'} tokens/s\n`,
    );
  }
  return 0;
}

interface ManyOptions {
  prompt?: string;
  chat?: boolean;
  stats?: boolean;
  n?: string;
  tree?: string;
  attention?: string;
  'kv-budget-mb'?: string;
  'kv-type'?: string;
  'max-batch'?: string;
}

function readTree(file: string): PromptTree {
  let tree: unknown;
  try {
    tree = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HydrapatchError('bad_tree', `Cannot read the prompt tree ${file}: ${(err as Error).message}`, 'Give a JSON file {"root": {"text": "...", "children": [{"text": "...", "n": 4}]}}.');
  }
  if (typeof tree !== 'object' || tree === null || typeof (tree as PromptTree).root !== 'object') {
    throw new HydrapatchError('bad_tree', `${file} has no "root" node`, 'Give a JSON file {"root": {"text": "...", "n": 4}}.');
  }
  return tree as PromptTree;
}

/** N samples through the sampling engine, one JSON line each as it finishes. */
async function generateMany(modelPath: string, o: ManyOptions, params: SampleParams): Promise<number> {
  const attention = (o.attention ?? 'auto') as AttentionMode;
  if (!['auto', 'hydragen', 'baseline'].includes(attention)) {
    throw new HydrapatchError('bad_arguments', `--attention must be auto, hydragen or baseline, got "${o.attention}"`, usage);
  }
  const n = numberOption('n', o.n, 1);
  if (o.tree === undefined && (!Number.isInteger(n) || n < 1)) throw new HydrapatchError('bad_arguments', `-n must be a whole number >= 1, got "${o.n}"`, usage);
  const budgetMb = o['kv-budget-mb'] === undefined ? undefined : numberOption('kv-budget-mb', o['kv-budget-mb'], 0);
  const maxBatch = o['max-batch'] === undefined ? undefined : numberOption('max-batch', o['max-batch'], 0);
  const kvType = o['kv-type'];
  if (kvType !== undefined && kvType !== 'f16' && kvType !== 'f32') throw new HydrapatchError('bad_arguments', `--kv-type must be f16 or f32, got "${kvType}"`, usage);
  const engine = await SamplingEngine.load(modelPath, { attention, maxBatch, kvType, kvBudgetBytes: budgetMb === undefined ? undefined : budgetMb * 1024 * 1024 });
  try {
    let tree: PromptTree;
    if (o.tree !== undefined) tree = readTree(o.tree);
    else if (o.chat) {
      const apply = engine.tokenizer.applyChatTemplate;
      if (!apply) throw new HydrapatchError('no_chat_template', `${modelPath} has no chat template`, 'Run without --chat, or use a model that ships tokenizer.chat_template.');
      tree = { bos: false, root: { text: apply.call(engine.tokenizer, [{ role: 'user', content: o.prompt ?? '' }]), n } };
    } else tree = { root: { text: o.prompt ?? '', n } };
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    try {
      const totals = await engine.sample(tree, params, { onSample: (r) => process.stdout.write(JSON.stringify(r) + '\n') }, controller.signal);
      if (o.stats) process.stderr.write(JSON.stringify({ totals, decodeTokensPerSecond: totals.generatedTokens / Math.max(1e-3, totals.decodeMs / 1000) }) + '\n');
    } finally {
      process.off('SIGINT', onSignal);
    }
  } finally {
    await engine.close();
  }
  return 0;
}
