// Mocha inside the real extension host (code-server 4.139.1 = VS Code 1.139.1): commands, settings,
// a full solve with the pipeline's worktrees and the fixture's real tests, apply with its
// changed-since-run refusal and one-step undo, cancel, and the untrusted-folder mode. The model is a
// stand-in that replays fixed raw outputs (support/replayModel.ts); everything else is real.
import * as assert from 'node:assert';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildBundles, buildHostSuite } from './support/build';
import { ensureCodeServer, repoRoot, type CodeServerPaths } from './support/codeServer';
import { RAW_OUTPUTS } from './support/fixtureRepo';
import { HOST_EXPECTED, HOST_MODES, hostFolder, hostSettings } from './support/hostSettings';
import { explainHostReport as explain, runHostSuite } from './support/hostRun';
import { startReplayModel, type ReplayModel } from './support/replayModel';

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

  for (const mode of HOST_MODES) {
    it(mode === 'bundled' ? 'passes with the bundled server and the demo model' : `passes in a ${mode} folder`, async () => {
      const folder = hostFolder(mode, repoRoot);
      repos.push(folder);
      const report = await runHostSuite({ paths, folder, mode, settings: hostSettings(mode, model.url, repoRoot) });
      assert.strictEqual(report.exitCode, 0, explain(report));
      assert.strictEqual(report.results.length, HOST_EXPECTED[mode], explain(report));
      assert.ok(report.results.every((t) => t.state === 'passed'), explain(report));
    });
  }
});
