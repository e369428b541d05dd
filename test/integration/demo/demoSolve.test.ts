// The demo's main job without a GPU: 32 samples drawn from the demo model (as `npm start` asks for them:
// temperature 1, seed 1), fed to the real `hydrapatch solve` CLI with --from-samples on a git copy of the
// example repository. It must find a verified patch, print the group table and the coverage line, and
// verify exactly the samples whose edits pass the example's tests when applied alone (demoPaths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDemoModelPath } from '../../../scripts/makeDemoModel';
import { loadModel } from '../../../server/src/model/load';
import { passAtK } from '../../../src/core/coverage/passAtK';
import { exactSolveProbability, exampleDir } from './demoPaths';
import { demoSampleParams, drawDemoSamples } from './demoSampling';

const root = join(__dirname, '..', '..', '..');

test('hydrapatch solve on the example with 32 demo-model samples verifies the right ones and prints the coverage', async (t) => {
  const exact = await exactSolveProbability();
  const model = await loadModel(defaultDemoModelPath);
  const samples = drawDemoSamples(model, { ...demoSampleParams, seed: 1 }, 0, 32);
  const expected = samples.filter((s) => exact.byText.get(s)).length;
  t.diagnostic(`${expected} of 32 samples are fixes by the path table`);

  const work = mkdtempSync(join(tmpdir(), 'hp-demo-solve-'));
  const repo = join(work, 'repo');
  cpSync(exampleDir, repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'example');
  const samplesFile = join(work, 'samples.jsonl');
  writeFileSync(samplesFile, samples.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const jsonOut = join(work, 'out.json');
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'solve', '--repo', repo, '--issue', join(repo, 'ISSUE.md'), '-n', '32',
      '--from-samples', samplesFile, '--test', 'node --test', '--parallel', '2', '--timeout', '120', '--json', jsonOut],
    { cwd: root, env, encoding: 'utf8', timeout: 300_000 },
  );
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  const coverage = out.split('\n').find((l) => l.startsWith('coverage:'));
  assert.ok(coverage, `no coverage line in:\n${out}`);
  t.diagnostic(coverage);
  const result = JSON.parse(readFileSync(jsonOut, 'utf8')) as {
    candidates: { index: number; verdict: string }[];
    groups: { rank: number; verdict: string; members: number[] }[];
    coverage: { n: number; c: number; curve: { k: number; p: number }[] };
  };
  const verified = result.candidates.filter((c) => c.verdict === 'verified').map((c) => c.index).sort((a, b) => a - b);
  const byTable = samples.map((s, i) => (exact.byText.get(s) ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(verified, byTable);
  assert.ok(expected > 0);
  assert.equal(result.groups[0].verdict, 'verified');
  assert.equal(result.coverage.c, expected);
  const at1 = result.coverage.curve.find((p) => p.k === 1)?.p;
  assert.ok(at1 !== undefined && Math.abs(at1 - passAtK(32, expected, 1)) < 1e-12);
  git('diff', '--quiet');
  rmSync(work, { recursive: true, force: true });
});
