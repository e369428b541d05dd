// `hydrapatch-server <command>`: each command lives in server/src/commands/<name>.ts and exports `run(argv)`.
import { formatError, HydrapatchError } from '../../src/protocol/errors';

const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  logits: () => import('./commands/logits'),
  generate: () => import('./commands/generate'),
  serve: () => import('./commands/serve'),
  models: () => import('./commands/models'),
};

const usage = `usage: hydrapatch-server <command> [options]
commands:
  logits    --model PATH --tokens 1,2,3          raw last-position logits as JSON
  generate  --model PATH --prompt TEXT [-n N]    sample text (see generate --help)
  serve     --model PATH [--port 0]              WebSocket + OpenAI-compatible HTTP API on 127.0.0.1
  models    [--json] [--dir DIR]...              GGUF files already here (Ollama, downloads) and whether they load`;

async function main(): Promise<number> {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`unknown command "${name}"\n${usage}\n`);
    return 2;
  }
  const mod = await load();
  return mod.run(argv);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`hydrapatch-server: ${formatError(HydrapatchError.from(err).toData())}\n`);
    process.exit(1);
  },
);
