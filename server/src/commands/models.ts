// `hydrapatch-server models [--json] [--dir DIR]...`: the GGUF files already on this machine (Ollama's
// store, the usual download folders, and each --dir), with architecture, quantisation, size, and
// whether this server can load them and why not. --json prints the LocalModel array (src/protocol).
import { parseArgs } from 'node:util';
import { HydrapatchError } from '../../../src/protocol/errors';
import { formatModelTable } from '../../../src/protocol/localModels';
import { findLocalModels } from '../model/localModels';

const usage = 'usage: hydrapatch-server models [--json] [--dir DIR]...';

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, dir: { type: 'string', multiple: true }, help: { type: 'boolean', default: false } } }));
  } catch (err) {
    throw new HydrapatchError('bad_arguments', (err as Error).message, usage);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const models = findLocalModels({ extraDirs: values.dir ?? [], onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
  process.stdout.write(values.json ? JSON.stringify(models, null, 2) + '\n' : formatModelTable(models));
  return 0;
}
