// `hydrapatch-server generate --model PATH --prompt TEXT --max-tokens N --temperature T --seed S
// [--chat]`: one sample, streamed to stdout as it is decoded (single-sequence KV cache).
import { parseArgs } from 'node:util';
import { HydrapatchError } from '../../../src/protocol/errors';
import { defaultSampleParams, type SampleParams } from '../../../src/protocol/sampling';
import { loadModel } from '../model/load';
import { ModelRunner } from '../model/runner';
import { ContiguousKvAttention } from '../model/kvCacheAttention';
import { pickToken, sampleUniform, validateSampleParams } from '../sampling/sampler';

const usage = `usage: hydrapatch-server generate --model PATH --prompt TEXT [--max-tokens N] [--temperature T]
       [--top-p P] [--top-k K] [--seed S] [--chat] [--stats]`;

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
      chat: { type: 'boolean', default: false },
      stats: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (!values.model || values.prompt === undefined) throw new HydrapatchError('bad_arguments', 'generate needs --model and --prompt', usage);
  const params: SampleParams = {
    ...defaultSampleParams,
    maxTokens: numberOption('max-tokens', values['max-tokens'], 128),
    temperature: numberOption('temperature', values.temperature, defaultSampleParams.temperature),
    topP: numberOption('top-p', values['top-p'], 1),
    topK: numberOption('top-k', values['top-k'], 0),
    seed: numberOption('seed', values.seed, 0),
  };
  validateSampleParams(params);

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
