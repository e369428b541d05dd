// `hydrapatch-server logits --model PATH --tokens 1,2,3`: the raw logits at the last position (full
// vocabulary, no BOS added) as one JSON object on stdout — the engine's check against llama.cpp.
import { parseArgs } from 'node:util';
import { HydrapatchError } from '../../../src/protocol/errors';
import { loadModel } from '../model/load';
import { ModelRunner } from '../model/runner';
import { ContiguousKvAttention } from '../gpu/attention/contiguousStep';

const usage = 'usage: hydrapatch-server logits --model PATH --tokens 1,2,3 [--no-subgroups]';

export function parseTokenList(text: string): Int32Array {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => !/^\d+$/.test(s))) {
    throw new HydrapatchError('bad_arguments', `--tokens must be a comma-separated list of token ids, got "${text}"`, usage);
  }
  return Int32Array.from(parts, Number);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, tokens: { type: 'string' }, 'no-subgroups': { type: 'boolean', default: false } },
  });
  if (!values.model || values.tokens === undefined) throw new HydrapatchError('bad_arguments', 'logits needs --model and --tokens', usage);
  const tokens = parseTokenList(values.tokens);
  const model = await loadModel(values.model);
  const runner = await ModelRunner.create(model, { noSubgroups: values['no-subgroups'] });
  const attention = new ContiguousKvAttention(runner.gpu.device, runner, Math.max(model.config.contextLength, tokens.length));
  const logits = await runner.forward({ tokens, positions: Int32Array.from(tokens, (_, i) => i) }, attention);
  process.stdout.write(JSON.stringify({ logits: Array.from(logits) }) + '\n');
  return 0;
}
