// `npm run bench:server-load [-- --clients 8 --seconds 60 --max-tokens 16 --model PATH --json FILE]`: the load
// test at full length. Starts the server on loopback with a generated tiny model (or --model), runs
// the clients for the given time after a --warmup-seconds (5) warm-up (every third job cancelled
// after its first sample), and prints a table and JSON: jobs, samples, tokens/s, errors, and the
// server's memory before and after.
import { writeFileSync } from 'node:fs';
import { testModel } from '../test/helpers/models';
import { jsMemoryGrowth, runLoad } from '../test/integration/server/loadDriver';
import { startTestServer } from '../test/integration/server/serverFixture';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

async function main(): Promise<number> {
  const clients = Number(flag('clients', '8'));
  const seconds = Number(flag('seconds', '60'));
  const maxTokens = Number(flag('max-tokens', '16'));
  const model = flag('model', '') || testModel().gguf;
  const jsonFile = flag('json', '');
  const server = await startTestServer({ model });
  try {
    const r = await runLoad({ wsUrl: server.wsUrl, token: server.token, clients, durationMs: seconds * 1000, cancelEvery: 3, maxTokens, warmupMs: Number(flag('warmup-seconds', '5')) * 1000 });
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    const growth = jsMemoryGrowth(r);
    const rows: [string, string][] = [
      ['clients', String(r.clients)],
      ['duration s', (r.durationMs / 1000).toFixed(1)],
      ['jobs (cancelled)', `${r.jobs} (${r.cancelledJobs})`],
      ['samples', String(r.samples)],
      ['generated tokens/s', r.tokensPerSecond.toFixed(1)],
      ['errors', String(r.errors.length)],
      ['heap+buffers MiB before → after', `${mib(r.before.memory.heapUsed + r.before.memory.arrayBuffers)} → ${mib(r.after.memory.heapUsed + r.after.memory.arrayBuffers)} (${(growth * 100).toFixed(2)}%)`],
      ['rss MiB before → after', `${mib(r.before.memory.rss)} → ${mib(r.after.memory.rss)}`],
      ['KV bytes in use before → after', `${r.before.kvBytesInUse} → ${r.after.kvBytesInUse}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
    const json = JSON.stringify({ model, maxTokens, ...r, jsMemoryGrowth: growth });
    process.stdout.write(json + '\n');
    if (jsonFile) writeFileSync(jsonFile, json + '\n');
    for (const e of r.errors.slice(0, 10)) process.stderr.write(`error: ${e}\n`);
    return r.errors.length === 0 && Math.abs(growth) <= 0.05 && r.after.kvBytesInUse === r.before.kvBytesInUse ? 0 : 1;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
