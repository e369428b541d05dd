// `hydrapatch models [--json] [--dir DIR]...`: runs the bundled server's `models --json` (the loader's
// own checks decide what is loadable) and prints its list as a table, or as the JSON itself.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { HydrapatchError } from '../protocol/errors';
import { formatModelTable, type LocalModel } from '../protocol/localModels';
import { serverScript } from './openSource';
import type { CliIo } from './runCli';

export const modelsUsage = 'usage: hydrapatch models [--json] [--dir DIR]...';

export async function runModels(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, dir: { type: 'string', multiple: true } } }));
  } catch (err) {
    throw new HydrapatchError('bad_arguments', (err as Error).message, modelsUsage);
  }
  const args = [serverScript(), 'models', '--json', ...(values.dir ?? []).flatMap((d) => ['--dir', d])];
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => io.stderr.write(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new HydrapatchError('server_failed', `hydrapatch-server models exited with status ${code}.`, 'Read its message above; `hydrapatch-server models` run by hand shows the same.'));
    });
  });
  let models: LocalModel[];
  try {
    models = JSON.parse(stdout) as LocalModel[];
    if (!Array.isArray(models)) throw new Error('not an array');
  } catch (err) {
    throw new HydrapatchError('server_failed', `hydrapatch-server models printed no model list (${(err as Error).message}).`, 'Reinstall hydrapatch so that the CLI and the server match.');
  }
  io.stdout.write(values.json ? JSON.stringify(models, null, 2) + '\n' : formatModelTable(models));
  return 0;
}
