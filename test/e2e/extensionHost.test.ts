// Mocha inside the real extension host (code-server 4.139.1 = VS Code 1.139.1): commands, settings,
// a full solve with the pipeline's worktrees and the fixture's real tests, apply with its
// changed-since-run refusal and one-step undo, cancel, and the untrusted-folder mode. The model is a
// stand-in that replays fixed raw outputs (support/replayModel.ts); everything else is real.
import * as assert from 'node:assert';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildBundles, buildHostSuite } from './support/build';
import { ensureCodeServer, repoRoot, type CodeServerPaths } from './support/codeServer';
import { makeCartRepo, makeFixtureRepo, RAW_OUTPUTS } from './support/fixtureRepo';
import { runHostSuite, type HostReport } from './support/hostRun';
import { startReplayModel, type ReplayModel } from './support/replayModel';

function explain(r: HostReport): string {
  const failed = r.results.filter((t) => t.state !== 'passed').map((t) => `${t.title}\n${t.error}`);
  return `exit ${r.exitCode}, ${r.failures} failures\n${failed.join('\n\n')}\n--- browser log tail ---\n${r.browserLog.slice(-30).join('\n')}`;
}

describe('extension host (mocha inside code-server)', { timeout: 900_000 }, () => {
  let paths: CodeServerPaths;
  let model: ReplayModel;
  const repos: string[] = [];

  before(async () => {
    paths = await ensureCodeServer();
    buildBundles();
    await buildHostSuite();
    model = await startReplayModel(RAW_OUTPUTS);
  });
  after(async () => {
    await model?.close();
    for (const r of repos) rmSync(r, { recursive: true, force: true });
  });

  const settings = () => ({
    'hydrapatch.backend': 'openai-compatible',
    'hydrapatch.endpoint': model.url,
    'hydrapatch.endpointModel': 'replay',
    'hydrapatch.testCommand': 'node --test',
    'hydrapatch.parallelTests': 2,
    'hydrapatch.testTimeoutSeconds': 60,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
  });

  const expected = { trusted: 5, untrusted: 3, bundled: 4 };
  for (const mode of ['trusted', 'untrusted', 'bundled'] as const) {
    it(mode === 'bundled' ? 'passes with the bundled server and the demo model' : `passes in a ${mode} folder`, async () => {
      const folder = mode === 'bundled' ? makeCartRepo(repoRoot) : makeFixtureRepo();
      repos.push(folder);
      const bundled = {
        'hydrapatch.backend': 'bundled',
        'hydrapatch.modelPath': join(repoRoot, 'models', 'demo-bigram.gguf'),
        // The demo model's probabilities are stated at temperature 1 (models/README.md).
        'hydrapatch.temperature': 1,
        'hydrapatch.topP': 1,
      };
      const report = await runHostSuite({ paths, folder, mode, settings: { ...settings(), ...(mode === 'bundled' ? bundled : {}) } });
      assert.strictEqual(report.exitCode, 0, explain(report));
      assert.strictEqual(report.results.length, expected[mode], explain(report));
      assert.ok(report.results.every((t) => t.state === 'passed'), explain(report));
    });
  }
});
