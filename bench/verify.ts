// Verification throughput on the JS fixture, measured side by side in one run:
// 1. one test run's time (median of R runs in a worktree), unsandboxed and in the sandbox, interleaved;
// 2. a whole solve of C distinct candidates with P parallel test runs, against the ideal (C ÷ P) × one run.
// Goals (issue 5, issue 8): solve ≤ 2× ideal; sandboxed ÷ unsandboxed per run ≤ 1.2.
// Usage: npm run bench:verify [-- --candidates 64 --parallel 4 --runs 5 --json FILE]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { solve } from '../src/core/pipeline/solve';
import { sandboxLauncher } from '../src/core/sandbox/sandboxLauncher';
import { detectSandbox } from '../src/core/sandbox/detectSandbox';
import { FromSamplesSource } from '../src/core/sampling/fromSamples';
import { runTests } from '../src/core/testing/runTests';
import { unsandboxed, type CommandLauncher } from '../src/core/testing/runCommand';
import { resolveLinkPaths } from '../src/core/worktree/linkPaths';
import { WorktreePool } from '../src/core/worktree/pool';
import { createRunDir } from '../src/core/worktree/runDir';
import { snapshot } from '../src/core/worktree/snapshot';
import { defaultSampleParams } from '../src/protocol/sampling';
import type { SandboxMode } from '../src/core/sandbox/types';
import { repoFromFixture } from '../test/helpers/gitRepo';

const { values } = parseArgs({ options: { candidates: { type: 'string' }, parallel: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } } });
const candidates = Number(values.candidates ?? 64);
const parallel = Number(values.parallel ?? 4);
const runs = Number(values.runs ?? 5);
const testCommand = 'node --test --test-reporter=tap';
const limits = { timeoutMs: 120_000, outputCapBytes: 4 << 20 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Distinct correct fixes (a different comment each), so that no test run is shared between candidates. */
function fixes(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    `lib/stats.js\n<<<<<<< SEARCH\n  for (let i = 1; i < xs.length; i++) {\n=======\n  for (let i = 0; i < xs.length; i++) { // candidate ${i}\n>>>>>>> REPLACE\n`);
}

async function singleRuns(repoDir: string, launchers: [string, CommandLauncher][]): Promise<Map<string, number[]>> {
  const snap = await snapshot(repoDir);
  const runDir = await createRunDir(snap.root);
  const pool = new WorktreePool({ repoRoot: snap.root, commit: snap.commit, runDir, size: 1, linkPaths: await resolveLinkPaths(snap.root) });
  const times = new Map<string, number[]>(launchers.map(([name]) => [name, []]));
  try {
    const wt = await pool.acquire();
    // One warm-up each (file cache, first bwrap start), then interleaved so load changes hit both alike.
    for (let r = -1; r < runs; r++) {
      for (const [name, launcher] of launchers) {
        const run = await runTests({ command: testCommand, cwd: wt.path, ...limits, launcher });
        if (run.format === 'exit-code' || run.timedOut) throw new Error(`${name} run failed: ${run.outputTail}`);
        if (r >= 0) times.get(name)!.push(run.durationMs);
      }
    }
    await pool.release(wt);
  } finally {
    await pool.dispose();
  }
  return times;
}

async function solveTime(repoDir: string, sandbox: SandboxMode): Promise<{ ms: number; verified: number; sandbox: string; meanRunMs: number }> {
  const started = performance.now();
  const result = await solve(
    {
      repoDir, issueText: 'mean([1, 2, 3]) returns 1.67 instead of 2', n: candidates, testCommand,
      source: new FromSamplesSource(fixes(candidates)), sampleParams: defaultSampleParams, parallelTests: parallel,
      testTimeoutMs: limits.timeoutMs, outputCapBytes: limits.outputCapBytes, sandbox, allowUnsandboxed: async () => true,
      contextBudgetTokens: 4000,
    },
    {},
    new AbortController().signal,
  );
  const runs = result.candidates.flatMap((c) => (c.test ? [c.test.durationMs] : []));
  return { ms: performance.now() - started, verified: result.coverage.c, sandbox: result.sandbox, meanRunMs: runs.reduce((a, b) => a + b, 0) / Math.max(1, runs.length) };
}

async function main() {
  const repo = repoFromFixture('jsStats');
  try {
    const info = await detectSandbox();
    const launchers: [string, CommandLauncher][] = [['unsandboxed', unsandboxed]];
    if (info.available) launchers.push(['sandboxed', sandboxLauncher({ policy: { mode: 'required' } })]);
    const single = await singleRuns(repo.dir, launchers);
    const oneRun = median(single.get('unsandboxed')!);
    const sandboxedRun = info.available ? median(single.get('sandboxed')!) : undefined;

    const modes: SandboxMode[] = info.available ? ['off', 'required'] : ['off'];
    // meanRunMs: a test run's time inside the solve, with P at once; overhead: the solve over (C ÷ P) × that,
    // i.e. what the pipeline adds beyond the runs themselves (the rest of the ratio is CPU contention).
    const rows: { mode: string; sandbox: string; ms: number; ideal: number; ratio: number; verified: number; meanRunMs: number; overhead: number }[] = [];
    for (const mode of modes) {
      const one = mode === 'off' ? oneRun : sandboxedRun!;
      const ideal = (candidates / parallel) * one;
      const s = await solveTime(repo.dir, mode);
      rows.push({
        mode, sandbox: s.sandbox, ms: Math.round(s.ms), ideal: Math.round(ideal), ratio: s.ms / ideal, verified: s.verified,
        meanRunMs: Math.round(s.meanRunMs), overhead: s.ms / ((candidates / parallel) * s.meanRunMs),
      });
    }

    const cores = cpus().length;
    console.log(`verify bench: ${candidates} candidates, ${parallel} parallel test runs, JS fixture (${testCommand}); ${cores} cores, load ${loadavg()[0].toFixed(1)}`);
    console.log('');
    console.log('one test run (median of ' + runs + ')   ms');
    console.log(`  unsandboxed                     ${oneRun}`);
    if (sandboxedRun !== undefined) console.log(`  sandboxed (${info.kind})                ${sandboxedRun}   ratio ${(sandboxedRun / oneRun).toFixed(2)}× (goal ≤ 1.2×)`);
    else console.log(`  sandboxed                       n/a (${info.reason})`);
    console.log('');
    console.log('solve           sandbox   total ms   ideal ms   ratio (goal ≤ 2)   verified   run ms in solve   pipeline overhead');
    for (const r of rows) {
      console.log(`  ${r.mode.padEnd(13)} ${r.sandbox.padEnd(9)} ${String(r.ms).padStart(8)}   ${String(r.ideal).padStart(8)}   ${r.ratio.toFixed(2).padStart(16)}   ${`${r.verified}/${candidates}`.padStart(8)}   ${String(r.meanRunMs).padStart(15)}   ${r.overhead.toFixed(2).padStart(16)}×`);
    }
    if (cores < parallel) console.log(`\nnote: ${cores} cores for ${parallel} parallel runs: the runs compete for CPU, so on an idle machine the ratio cannot go below about ${(parallel / cores).toFixed(1)}; under load (here ${loadavg()[0].toFixed(1)}) one run is slowed as much as the parallel ones and the ratio says less.`);
    console.log('');
    const json = JSON.stringify({
      bench: 'verify', candidates, parallel, cores, load1: loadavg()[0], testCommand,
      singleRunMs: { unsandboxed: oneRun, sandboxed: sandboxedRun ?? null, samples: Object.fromEntries(single) },
      sandboxOverhead: sandboxedRun === undefined ? null : sandboxedRun / oneRun,
      solves: rows,
    });
    console.log(json);
    if (values.json) writeFileSync(values.json, json + '\n');
  } finally {
    repo.cleanup();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
