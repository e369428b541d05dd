// The CLI's one entry point: `hydrapatch solve …` (and `hydrapatch models`, see models.ts). Exit code
// 0 when a verified patch was found, 1 when none was, 2 for errors (bad arguments, no repository, a
// backend that fails), 3 when the tests cannot run on the unmodified tree (found before any sampling)
// or the disk ran full, 130 when cancelled; errors are printed as a message and a hint.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { HydrapatchError, formatError } from '../protocol/errors';
import { defaultSampleParams } from '../protocol/sampling';
import { solve } from '../core/pipeline/solve';
import { parseSolveArgs, usage } from './args';
import { modelsUsage, runModels } from './models';
import { FromSamplesSource } from '../core/sampling/fromSamples';
import { withTestSamples } from '../core/sampling/withTestSamples';
import { openSource } from './openSource';
import { progressView } from './progressView';
import { formatReport, jsonReport, sampleNumber } from './report';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** Aborts the run (Ctrl-C). */
  signal: AbortSignal;
}

async function readIssue(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new HydrapatchError('bad_arguments', `cannot read the issue file ${path}: ${(err as Error).message}`, 'Pass --issue a text file describing the bug, or - to read it from stdin.', { cause: err });
  }
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(`${usage}\n${modelsUsage}\n`);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command === 'models') return await runModels(rest, io);
    if (command !== 'solve') throw new HydrapatchError('bad_arguments', `unknown command "${command}".`, `${usage}\n${modelsUsage}`);
    const args = parseSolveArgs(rest);
    if (args === 'help') {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    if (!existsSync(args.repo)) throw new HydrapatchError('not_a_repo', `the folder ${args.repo} does not exist.`, 'Point --repo at the folder of a git repository.');
    const issueText = await readIssue(args.issue, io.stdin);
    const opened = await openSource(args.origin, (line) => io.stderr.write(`server: ${line}\n`));
    const n = opened.count === undefined ? args.n! : Math.min(args.n ?? opened.count, opened.count);
    // Reproduction tests: played back from a file, or drawn beside the patches (N/4 by default from a model).
    const tests = args.testsFromSamples === undefined ? undefined : (await FromSamplesSource.textsFromFile(args.testsFromSamples, '--tests-from-samples')).slice(0, args.reproTests);
    const reproN = tests ? tests.length : (args.reproTests ?? (opened.count === undefined ? Math.floor(n / 4) : 0));
    const source = tests ? withTestSamples(opened.source, tests, args.testsFromSamples) : opened.source;
    const view = progressView(io.stderr);
    let result;
    try {
      result = await solve(
        {
          repoDir: args.repo,
          issueText,
          n,
          testCommand: args.test,
          source,
          sampleParams: {
            ...defaultSampleParams,
            ...(args.temperature === undefined ? {} : { temperature: args.temperature }),
            ...(args.maxTokens === undefined ? {} : { maxTokens: args.maxTokens }),
            ...(args.seed === undefined ? {} : { seed: args.seed }),
          },
          parallelTests: args.parallel,
          testTimeoutMs: Math.round(args.timeoutS * 1000),
          outputCapBytes: 4 << 20,
          stopAfterVerified: args.stopAfter,
          sandbox: args.sandbox,
          allowUnsandboxed: async () => args.yesUnsandboxed,
          contextBudgetTokens: args.contextTokens,
          locationBranches: args.branches,
          keepWorktrees: args.keep,
          allowTestEdits: args.allowTestEdits,
          ...(args.instanceId === undefined ? {} : { instanceId: args.instanceId }),
          ...(reproN > 0 ? { reproTests: { n: reproN, ...(args.reproQuorum === undefined ? {} : { quorum: args.reproQuorum }) } } : {}),
        },
        view,
        io.signal,
      );
    } finally {
      view.finish();
      await opened.source.close();
    }
    io.stdout.write(formatReport(result));
    for (const c of result.candidates) if (c.worktree) io.stdout.write(`kept: sample ${sampleNumber(c.index)} in ${c.worktree}\n`);
    if (args.json !== undefined) await writeFile(args.json, jsonReport(result));
    if (result.cancelled) return 130;
    return result.prediction ? 0 : 1;
  } catch (err) {
    const e = HydrapatchError.from(err);
    io.stderr.write(`hydrapatch: ${e.code === 'cancelled' ? 'cancelled: ' : ''}${formatError(e)}\n`);
    if (e.code === 'cancelled') return 130;
    return e.code === 'test_setup' || e.code === 'baseline_failed' || e.code === 'disk_full' ? 3 : 2;
  }
}
