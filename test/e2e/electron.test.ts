// The in-host mocha suite (test/e2e/host) in VS Code DESKTOP through @vscode/test-electron, for
// machines that may download VS Code (electron/runElectron.ts). Here and in CI nothing may be
// downloaded, so the runs are skipped unless HYDRAPATCH_E2E_ELECTRON=1 (`npm run test:e2e:electron`);
// what leads up to the download — the plan of each run — is checked on every run.
import * as assert from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_VSCODE_VERSION, ELECTRON_ENV, SKIP_REASON, VSCODE_VERSION_ENV,
  displayWrapper, downloadOptions, downloadVSCode, electronEnabled, installArgs, installVsix, planElectronRun, prepareProfile, runElectronHostSuite,
} from './electron/runElectron';
import { buildHostSuite, packageVsix } from './support/build';
import { ensureCodeServer, repoRoot } from './support/codeServer';
import { RAW_OUTPUTS } from './support/fixtureRepo';
import { explainHostReport, type HostReport } from './support/hostRun';
import { HOST_EXPECTED, HOST_MODES, hostFolder, hostSettings } from './support/hostSettings';
import { startReplayModel, type ReplayModel } from './support/replayModel';

describe('extension host in VS Code desktop (@vscode/test-electron)', { timeout: 1_200_000 }, () => {
  const scratch: string[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(d);
    return d;
  };
  after(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('plans every mode like the code-server run, up to the download', async () => {
    assert.strictEqual(electronEnabled({}), false);
    assert.strictEqual(electronEnabled({ [ELECTRON_ENV]: '1' }), true);
    // The same editor as code-server's, cached under the (ignored) .cache folder.
    const codeServer = await ensureCodeServer();
    const vscodeOfCodeServer = JSON.parse(readFileSync(join(dirname(codeServer.codeServer), '..', '..', 'lib', 'vscode', 'package.json'), 'utf8')).version;
    assert.deepStrictEqual(downloadOptions(repoRoot, {}), { version: vscodeOfCodeServer, cachePath: join(repoRoot, '.cache', 'vscode-test') });
    assert.strictEqual(DEFAULT_VSCODE_VERSION, vscodeOfCodeServer);
    assert.strictEqual(downloadOptions(repoRoot, { [VSCODE_VERSION_ENV]: 'stable' }).version, 'stable');

    const suite = await buildHostSuite();
    const stub = JSON.parse(readFileSync(join(repoRoot, 'test', 'e2e', 'electron', 'stub', 'package.json'), 'utf8'));
    assert.ok(stub.engines?.vscode && !stub.main, 'the stub is a valid extension that runs nothing');
    assert.notStrictEqual(`${stub.publisher}.${stub.name}`, 'hydrapatch.hydrapatch', 'the stub must not shadow the installed extension');

    const vsix = join(repoRoot, 'hydrapatch-0.1.0.vsix');
    for (const mode of HOST_MODES) {
      const folder = hostFolder(mode, repoRoot);
      scratch.push(folder);
      const home = tempDir(`hp-e2e-electron-${mode}-`);
      const outer = { ...process.env, NODE_TEST_CONTEXT: 'child-v8', ELECTRON_RUN_AS_NODE: '1' };
      const plan = planElectronRun({ mode, folder, home, vsix, repoRoot, env: outer });
      assert.strictEqual(plan.args[0], folder, 'VS Code opens the fixture folder');
      assert.strictEqual(plan.args.includes('--disable-workspace-trust'), mode !== 'untrusted', `workspace trust in the ${mode} mode`);
      assert.strictEqual(plan.extensionTestsPath, suite);
      assert.ok(existsSync(plan.extensionTestsPath), 'the host suite is built');
      assert.ok(plan.args.includes(`--extensionTestsPath=${suite}`));
      assert.ok(plan.args.includes(`--extensionDevelopmentPath=${join(repoRoot, 'test', 'e2e', 'electron', 'stub')}`));
      for (const dir of [plan.userDataDir, plan.extensionsDir, plan.reportFile]) assert.ok(dir.startsWith(home), `${dir} is outside the run's own folder`);
      assert.strictEqual(plan.env.HP_E2E_MODE, mode);
      assert.strictEqual(plan.env.HP_E2E_REPORT, plan.reportFile);
      assert.strictEqual(plan.env.NODE_TEST_CONTEXT, undefined);
      assert.strictEqual(plan.env.ELECTRON_RUN_AS_NODE, undefined);

      const settings = hostSettings(mode, 'http://127.0.0.1:9/v1', repoRoot);
      prepareProfile(plan, settings);
      assert.deepStrictEqual(JSON.parse(readFileSync(plan.settingsFile, 'utf8')), settings);
      assert.strictEqual(settings['security.workspace.trust.enabled'], mode === 'untrusted');

      const install = installArgs('/opt/VSCode-linux-x64/code', plan, 'linux-x64');
      assert.deepStrictEqual(install, ['/opt/VSCode-linux-x64/bin/code', `--user-data-dir=${plan.userDataDir}`, `--extensions-dir=${plan.extensionsDir}`, '--install-extension', vsix, '--force']);
    }

    assert.deepStrictEqual(displayWrapper('linux', {}, true), ['xvfb-run', '-a']);
    assert.deepStrictEqual(displayWrapper('linux', { DISPLAY: ':0' }, false), []);
    assert.deepStrictEqual(displayWrapper('darwin', {}, false), []);
    assert.throws(() => displayWrapper('linux', {}, false), /needs a display/);
  });

  describe('runs the host suite in VS Code desktop', () => {
    const skip = electronEnabled() ? false : SKIP_REASON;
    let executable: string;
    let vsix: string;
    let model: ReplayModel;

    before(async () => {
      if (skip) return;
      executable = await downloadVSCode(repoRoot);
      // HP_E2E_VSIX tests a .vsix built elsewhere (e.g. by CI's packaging step) instead of packaging here.
      vsix = process.env.HP_E2E_VSIX ?? packageVsix();
      await buildHostSuite();
      model = await startReplayModel(RAW_OUTPUTS);
    });
    after(async () => {
      await model?.close();
    });

    for (const mode of HOST_MODES) {
      it(`passes in the ${mode} mode`, { skip }, async () => {
        const folder = hostFolder(mode, repoRoot);
        scratch.push(folder);
        const plan = planElectronRun({ mode, folder, home: tempDir(`hp-e2e-electron-${mode}-`), vsix, repoRoot });
        prepareProfile(plan, hostSettings(mode, model.url, repoRoot));
        installVsix(executable, plan);
        const report: HostReport = await runElectronHostSuite(executable, plan);
        assert.strictEqual(report.exitCode, 0, explainHostReport(report));
        assert.strictEqual(report.results.length, HOST_EXPECTED[mode], explainHostReport(report));
        assert.ok(report.results.every((t) => t.state === 'passed'), explainHostReport(report));
      });
    }
  });
});
