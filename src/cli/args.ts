// `hydrapatch solve …` arguments, checked: every mistake is a HydrapatchError saying what was wrong
// and what to pass instead.
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { HydrapatchError } from '../protocol/errors';
import type { SandboxMode } from '../core/sandbox/types';

export const usage = `usage: hydrapatch solve --repo DIR --issue FILE|- -n N [--test CMD]
                        (--model PATH | --endpoint URL | --from-samples FILE)
                        [--json OUT] [--keep K] [--stop-after K] [--parallel P] [--timeout S]
                        [--sandbox auto|required|off] [--yes-run-unsandboxed]
                        [--model-name NAME] [--temperature T] [--max-tokens M] [--seed S]
                        [--context-tokens T] [--branches B] [--instance-id ID] [--allow-test-edits]
                        [--repro-tests K] [--repro-quorum Q] [--tests-from-samples FILE]

  --test CMD          how the tests run, as in a terminal in the repository (default: detected)
  --keep K            keep the worktrees of the best K groups (with dependencies linked) to look at
  --allow-test-edits  let candidates change test files (by default those edits are dropped and reported)
  --repro-tests K     reproduction-test samples drawn beside the patches (default N/4 from a model)
  --repro-quorum Q    kept reproduction tests a candidate must pass to be verified (default: all)
exit codes: 0 a verified patch, 1 none, 2 bad input or a failure, 3 the tests cannot run, 130 cancelled`;

export type SampleOrigin = { kind: 'model'; path: string } | { kind: 'endpoint'; url: string; model: string } | { kind: 'samples'; path: string };

export interface SolveArgs {
  repo: string;
  /** A path, or '-' for stdin. */
  issue: string;
  n?: number;
  test?: string;
  origin: SampleOrigin;
  json?: string;
  keep: number;
  stopAfter?: number;
  parallel: number;
  timeoutS: number;
  sandbox: SandboxMode;
  yesUnsandboxed: boolean;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  contextTokens: number;
  branches: number;
  instanceId?: string;
  allowTestEdits: boolean;
  /** Reproduction-test samples to draw (default N/4 from a model or endpoint, none from --from-samples). */
  reproTests?: number;
  reproQuorum?: number;
  /** Reproduction-test samples made elsewhere, JSON lines like --from-samples. */
  testsFromSamples?: string;
}

function bad(message: string, hint = usage): HydrapatchError {
  return new HydrapatchError('bad_arguments', message, hint);
}

function number(name: string, raw: string | undefined, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min)) {
    throw bad(`--${name} must be ${opts.int ? 'a whole number' : 'a number'}${opts.min !== undefined ? ` of at least ${opts.min}` : ''}, got "${raw}".`, `e.g. --${name} ${opts.min ?? 1}`);
  }
  return v;
}

/** Options that take a value, so that `--keep --json x` says what --keep needs instead of "ambiguous". */
const valued = ['repo', 'issue', 'n', 'test', 'model', 'endpoint', 'from-samples', 'model-name', 'json', 'keep', 'stop-after', 'parallel', 'timeout', 'sandbox', 'temperature', 'max-tokens', 'seed', 'context-tokens', 'branches', 'instance-id'];

function checkValues(argv: string[]): void {
  for (const [i, a] of argv.entries()) {
    const name = a.startsWith('--') ? a.slice(2) : a === '-n' ? 'n' : undefined;
    if (name === undefined || !valued.includes(name)) continue;
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next))) {
      throw bad(`--${name} needs a value${name === 'keep' ? ': how many of the best groups\' worktrees to keep, e.g. --keep 1' : ''}.`);
    }
  }
}

/** The checked arguments, or 'help' for `solve --help` (print the usage, run nothing). */
export function parseSolveArgs(argv: string[]): SolveArgs | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  checkValues(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        repo: { type: 'string' }, issue: { type: 'string' }, n: { type: 'string', short: 'n' }, test: { type: 'string' },
        model: { type: 'string' }, endpoint: { type: 'string' }, 'from-samples': { type: 'string' }, 'model-name': { type: 'string' },
        json: { type: 'string' }, keep: { type: 'string' }, 'stop-after': { type: 'string' }, parallel: { type: 'string' },
        timeout: { type: 'string' }, sandbox: { type: 'string' }, 'yes-run-unsandboxed': { type: 'boolean' },
        temperature: { type: 'string' }, 'max-tokens': { type: 'string' }, seed: { type: 'string' },
        'context-tokens': { type: 'string' }, branches: { type: 'string' }, 'instance-id': { type: 'string' },
        'allow-test-edits': { type: 'boolean' },
        'repro-tests': { type: 'string' }, 'repro-quorum': { type: 'string' }, 'tests-from-samples': { type: 'string' },
      },
    });
  } catch (err) {
    throw bad((err as Error).message);
  }
  const v = parsed.values;
  if (v.issue === undefined) throw bad('--issue is required (a file with the issue text, or - to read it from stdin).');
  const origins = [v.model, v.endpoint, v['from-samples']].filter((x) => x !== undefined);
  if (origins.length !== 1) throw bad('give exactly one of --model PATH, --endpoint URL or --from-samples FILE.');
  let origin: SampleOrigin;
  if (v.model !== undefined) origin = { kind: 'model', path: v.model };
  else if (v.endpoint !== undefined) {
    if (!/^https?:\/\//.test(v.endpoint)) throw bad(`--endpoint must be an http(s) URL ending in /v1, got "${v.endpoint}".`, 'e.g. --endpoint http://127.0.0.1:8000/v1 --model-name my-model');
    // Without --model-name the endpoint's only model (from /v1/models) is used.
    origin = { kind: 'endpoint', url: v.endpoint.replace(/\/+$/, ''), model: v['model-name'] ?? '' };
  } else origin = { kind: 'samples', path: v['from-samples']! };
  const n = number('n', v.n, { int: true, min: 1 });
  if (n === undefined && origin.kind !== 'samples') throw bad('-n N is required: how many samples to draw.', 'e.g. -n 16');
  if (v['repro-tests'] !== undefined && origin.kind === 'samples' && v['tests-from-samples'] === undefined) {
    throw bad('--repro-tests draws reproduction tests from a model; with --from-samples, give them with --tests-from-samples FILE.', 'e.g. --from-samples patches.jsonl --tests-from-samples tests.jsonl');
  }
  const sandbox = (v.sandbox ?? 'auto') as SandboxMode;
  if (!['auto', 'required', 'off'].includes(sandbox)) throw bad(`--sandbox must be auto, required or off, got "${v.sandbox}".`);
  return {
    repo: v.repo ?? process.cwd(),
    issue: v.issue,
    n,
    test: v.test,
    origin,
    json: v.json,
    keep: number('keep', v.keep, { int: true, min: 0 }) ?? 0,
    stopAfter: number('stop-after', v['stop-after'], { int: true, min: 1 }),
    parallel: number('parallel', v.parallel, { int: true, min: 1 }) ?? Math.max(1, Math.min(4, cpus().length)),
    timeoutS: number('timeout', v.timeout, { min: 0.001 }) ?? 300,
    sandbox,
    yesUnsandboxed: v['yes-run-unsandboxed'] ?? false,
    temperature: number('temperature', v.temperature, { min: 0 }),
    maxTokens: number('max-tokens', v['max-tokens'], { int: true, min: 1 }),
    seed: number('seed', v.seed, { int: true, min: 0 }),
    contextTokens: number('context-tokens', v['context-tokens'], { int: true, min: 1 }) ?? 6000,
    branches: number('branches', v.branches, { int: true, min: 0 }) ?? 0,
    instanceId: v['instance-id'],
    allowTestEdits: v['allow-test-edits'] ?? false,
    reproTests: number('repro-tests', v['repro-tests'], { int: true, min: 0 }),
    reproQuorum: number('repro-quorum', v['repro-quorum'], { int: true, min: 1 }),
    testsFromSamples: v['tests-from-samples'],
  };
}
