// Loopback load on a running server: `clients` WebSocket clients, each drawing jobs back to back for
// `durationMs` (a share of them cancelled mid-way, as a user would), then the memory the server
// reports before and after. Used by the integration test (short) and bench/serverLoad.ts (a minute).
import { ServerClient } from '../../../src/core/backends/serverClient';
import type { ServerStats } from '../../../src/protocol/messages';
import type { PromptTree } from '../../../src/protocol/promptTree';
import { defaultSampleParams } from '../../../src/protocol/sampling';

export interface LoadOptions {
  wsUrl: string;
  token: string;
  clients: number;
  durationMs: number;
  /** Every k-th job of a client is cancelled after its first sample (0: never). */
  cancelEvery: number;
  maxTokens: number;
  /** The same load, unmeasured, before the baseline: what warms up once (JIT code, caches, buffers
   *  sized by the largest batch seen) is then in "before" rather than counted as growth. */
  warmupMs: number;
}

export interface LoadReport {
  clients: number;
  durationMs: number;
  jobs: number;
  cancelledJobs: number;
  samples: number;
  generatedTokens: number;
  errors: string[];
  tokensPerSecond: number;
  before: ServerStats;
  after: ServerStats;
}

function treeFor(client: number, job: number): PromptTree {
  // Shared material first, varying last, as the pipeline lays out its prompts.
  return {
    root: {
      text: `# repository context ${client % 3}\ndef add(a, b):\n    return a - b\n`,
      children: [
        { text: `# issue ${job % 5}: add subtracts\n`, n: 3 },
        { text: `# issue ${job % 5}: fix the sign\n`, n: 2 },
      ],
    },
  };
}

interface Tally {
  jobs: number;
  cancelledJobs: number;
  samples: number;
  generatedTokens: number;
  errors: string[];
}

/** `clients` clients drawing jobs back to back until `durationMs` have passed. */
async function drive(options: LoadOptions, durationMs: number): Promise<Tally> {
  const tally: Tally = { jobs: 0, cancelledJobs: 0, samples: 0, generatedTokens: 0, errors: [] };
  const deadline = performance.now() + durationMs;
  const oneClient = async (c: number) => {
    const client = await ServerClient.connect({ url: options.wsUrl, token: options.token });
    try {
      for (let job = 0; performance.now() < deadline; job++) {
        const controller = new AbortController();
        const cancel = options.cancelEvery > 0 && job % options.cancelEvery === options.cancelEvery - 1;
        const params = { ...defaultSampleParams, temperature: 0.9, seed: c * 1000 + job, maxTokens: options.maxTokens };
        try {
          const totals = await client.draw(treeFor(c, job), params, {
            onSample: (s) => {
              tally.samples++;
              tally.generatedTokens += s.tokenCount;
              if (cancel) controller.abort();
            },
          }, controller.signal);
          tally.jobs++;
          if (cancel) tally.cancelledJobs++;
          if (!cancel && totals.samples !== 5) tally.errors.push(`client ${c} job ${job}: ${totals.samples} samples of 5`);
        } catch (err) {
          tally.errors.push(`client ${c} job ${job}: ${(err as Error).message}`);
        }
      }
    } finally {
      await client.close();
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => oneClient(c)));
  return tally;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const observer = await ServerClient.connect({ url: options.wsUrl, token: options.token });
  const warmup = await drive(options, options.warmupMs);
  const before = await observer.stats(true);
  const started = performance.now();
  const tally = await drive(options, options.durationMs);
  const elapsed = performance.now() - started;
  const after = await observer.stats(true);
  await observer.close();
  return {
    clients: options.clients,
    durationMs: Math.round(elapsed),
    ...tally,
    errors: [...warmup.errors, ...tally.errors],
    tokensPerSecond: tally.generatedTokens / (elapsed / 1000),
    before,
    after,
  };
}
/** Relative change of the server's JS memory (heap + array buffers), after vs before. */
export function jsMemoryGrowth(report: LoadReport): number {
  const js = (s: ServerStats) => s.memory.heapUsed + s.memory.arrayBuffers;
  return js(report.after) / js(report.before) - 1;
}
