// `hydrapatch-server serve`: the API server on 127.0.0.1. Prints exactly one JSON line on stdout,
// {"ready":true,"port":N} (plus "token" when it made one up), once it can answer; logs go to stderr.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatError, HydrapatchError } from '../../../src/protocol/errors';
import { startApiServer } from '../api/apiServer';
import { generateToken } from '../api/auth';
import { ModelHost } from '../api/modelHost';
import type { AttentionMode } from '../sampling/decodeStep';

/** Where a parent process puts the token (src/core/backends/serverProcess.ts sets the same name). */
const tokenEnv = 'HYDRAPATCH_SERVER_TOKEN';

const usage = `usage: hydrapatch-server serve [--model PATH] [--port 0] [--token-file F] [--kv-budget BYTES]
       [--attention auto|hydragen|baseline] [--max-message-bytes N] [--max-connections N]
       [--headers-timeout-ms MS] [--max-queued-bytes N] [--exit-on-stdin-close]
The token comes from --token-file, else from the environment variable HYDRAPATCH_SERVER_TOKEN (which
is removed at once), else it is made up and printed in the ready line.`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new HydrapatchError('bad_arguments', `${flag} must be a non-negative integer, not "${value}"`, usage);
  return n;
}

function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new HydrapatchError('bad_arguments', `cannot read the token file ${file}: ${(err as Error).message}`, 'Write a random token into the file first, or leave out --token-file to have one made up.');
  }
  if (token.length < 16) throw new HydrapatchError('bad_arguments', `the token in ${file} is shorter than 16 characters`, 'Use a long random token, e.g. `openssl rand -hex 24`.');
  return token;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        port: { type: 'string', default: '0' },
        'token-file': { type: 'string' },
        'kv-budget': { type: 'string' },
        attention: { type: 'string' },
        'max-message-bytes': { type: 'string' },
        'max-connections': { type: 'string' },
        'headers-timeout-ms': { type: 'string' },
        'max-queued-bytes': { type: 'string' },
        'exit-on-stdin-close': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new HydrapatchError('bad_arguments', (err as Error).message, usage);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const attention = values.attention as AttentionMode | undefined;
  if (attention !== undefined && !['auto', 'hydragen', 'baseline'].includes(attention)) {
    throw new HydrapatchError('bad_arguments', `--attention must be auto, hydragen or baseline, not "${attention}"`, usage);
  }
  const port = positiveInt(values.port, '--port') ?? 0;
  const kvBudgetBytes = positiveInt(values['kv-budget'], '--kv-budget');
  const limits = Object.fromEntries(
    ([['maxMessageBytes', 'max-message-bytes'], ['maxConnections', 'max-connections'], ['headersTimeoutMs', 'headers-timeout-ms'], ['maxQueuedBytes', 'max-queued-bytes']] as const)
      .map(([key, flag]) => [key, positiveInt(values[flag], `--${flag}`)])
      .filter(([, v]) => v !== undefined),
  );
  const tokenFile = values['token-file'];
  // A parent that starts us (serverProcess.ts) passes the token in our environment; it goes no further.
  const envToken = process.env[tokenEnv];
  delete process.env[tokenEnv];
  if (envToken !== undefined && envToken.length < 16) throw new HydrapatchError('bad_arguments', `${tokenEnv} is shorter than 16 characters`, 'Use a long random token.');
  const token = tokenFile !== undefined ? readToken(tokenFile) : (envToken ?? generateToken());
  const tokenGiven = tokenFile !== undefined || envToken !== undefined;

  // Watched from the start, before a model loads: a parent that dies while we load must not leave us
  // loading (or stuck) as an orphan. Until we serve there is nothing to shut down gracefully.
  let stop: ((why: string) => void) | undefined;
  if (values['exit-on-stdin-close']) {
    const gone = (why: string) => (stop ? stop(why) : process.exit(1));
    process.stdin.on('end', () => gone('stdin closed'));
    process.stdin.on('error', () => gone('stdin error'));
    process.stdin.resume();
  }

  // A bug must not take every client's jobs down with it; it is logged loudly instead.
  process.on('unhandledRejection', (err) => process.stderr.write(`hydrapatch-server: unhandled rejection: ${formatError(HydrapatchError.from(err).toData())}\n`));

  const models = new ModelHost({ kvBudgetBytes, attention });
  if (values.model !== undefined) {
    const loaded = await models.load(values.model);
    process.stderr.write(`hydrapatch-server: loaded ${loaded.info.path} (${loaded.info.arch}, context ${loaded.info.contextLength})\n`);
  }
  const server = await startApiServer({ token, models, port, limits });
  const ready = tokenGiven ? { ready: true, port: server.port } : { ready: true, port: server.port, token };
  process.stdout.write(JSON.stringify(ready) + '\n');
  process.stderr.write(`hydrapatch-server: listening on http://127.0.0.1:${server.port} (WebSocket at /ws, OpenAI-compatible API at /v1)\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`hydrapatch-server: stopping (${why})\n`);
      void server
        .close()
        .then(() => models.close())
        .then(
          () => resolve(0),
          () => resolve(1),
        );
    };
    process.on('SIGTERM', () => stop?.('SIGTERM'));
    process.on('SIGINT', () => stop?.('SIGINT'));
  });
}
