// The in-host mocha suite of test/e2e/host, run in VS Code DESKTOP: @vscode/test-electron (v2; v3 asks
// for Node 22) downloads VS Code into .cache/vscode-test (reused by later runs), the packaged .vsix is
// installed with VS Code's own CLI, and VS Code opens each mode's fixture folder with the suite as its
// extensionTestsPath — the same suite, folders and settings as the code-server run (support/hostRun.ts).
//
// Only for machines that may download VS Code: test/e2e/electron.test.ts runs it when
// HYDRAPATCH_E2E_ELECTRON=1 (`npm run test:e2e:electron`). Everything up to the download is plain
// functions (planElectronRun, downloadOptions, installArgs, displayWrapper) that the same file checks on
// every run.
//
// Why not test-electron's runTests(): it always passes --disable-workspace-trust, which would trust the
// folder of the untrusted mode. runElectronHostSuite spawns VS Code with runTests' other flags instead.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath, type DownloadOptions } from '@vscode/test-electron';
import type { HostMode } from '../host/hostTests';
import type { HostReport } from '../support/hostRun';

/** Set to 1 to run the desktop variant (it downloads VS Code, ~150 MB, once). */
export const ELECTRON_ENV = 'HYDRAPATCH_E2E_ELECTRON';
/** A VS Code version (e.g. 1.139.1, "stable") other than the default. */
export const VSCODE_VERSION_ENV = 'HYDRAPATCH_E2E_VSCODE_VERSION';
/** The VS Code that code-server 4.139.1 is built from, so that both variants test the same editor. */
export const DEFAULT_VSCODE_VERSION = '1.139.1';

export const SKIP_REASON =
  `downloads VS Code: set ${ELECTRON_ENV}=1 to run it (npm run test:e2e:electron) on a machine that may download it; ` +
  'on Linux without a display it runs under xvfb-run -a (apt install xvfb)';

export function electronEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ELECTRON_ENV] === '1';
}

/** What test-electron downloads, and where it keeps it (a second run finds it there and downloads nothing). */
export function downloadOptions(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Pick<DownloadOptions, 'version' | 'cachePath'> {
  return { version: env[VSCODE_VERSION_ENV] || DEFAULT_VSCODE_VERSION, cachePath: join(repoRoot, '.cache', 'vscode-test') };
}

/** The one call that goes to the network. Returns the VS Code executable. */
export function downloadVSCode(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return downloadAndUnzipVSCode(downloadOptions(repoRoot, env));
}

export interface ElectronRunPlan {
  mode: HostMode;
  folder: string;
  userDataDir: string;
  extensionsDir: string;
  settingsFile: string;
  reportFile: string;
  vsix: string;
  /** The suite (test/e2e/host bundled by support/build.ts buildHostSuite). */
  extensionTestsPath: string;
  /**
   * An empty extension: VS Code needs an extensionDevelopmentPath to run extension tests, and the
   * extension under test must be the INSTALLED .vsix, not the repository's sources.
   */
  extensionDevelopmentPath: string;
  /** VS Code's command line after the executable. */
  args: string[];
  /** The environment VS Code (and so the extension host and the suite) gets. */
  env: NodeJS.ProcessEnv;
}

export function planElectronRun(opts: { mode: HostMode; folder: string; home: string; vsix: string; repoRoot: string; env?: NodeJS.ProcessEnv }): ElectronRunPlan {
  const userDataDir = join(opts.home, 'user-data');
  const extensionsDir = join(opts.home, 'extensions');
  const reportFile = join(opts.home, 'report.json');
  const extensionTestsPath = join(opts.repoRoot, 'out', 'e2e', 'hostSuite.js');
  const extensionDevelopmentPath = join(opts.repoRoot, 'test', 'e2e', 'electron', 'stub');
  // NODE_TEST_CONTEXT (node --test) would turn the fixture's own `node --test` into node:test's child
  // protocol; ELECTRON_RUN_AS_NODE (set in VS Code's terminals) would start VS Code as plain Node.
  const { NODE_TEST_CONTEXT: _t, ELECTRON_RUN_AS_NODE: _e, ...outer } = opts.env ?? process.env;
  return {
    mode: opts.mode,
    folder: opts.folder,
    userDataDir,
    extensionsDir,
    settingsFile: join(userDataDir, 'User', 'settings.json'),
    reportFile,
    vsix: opts.vsix,
    extensionTestsPath,
    extensionDevelopmentPath,
    args: [
      opts.folder,
      // runTests()'s flags (see above), with workspace trust left on for the untrusted mode.
      '--no-sandbox',
      '--disable-gpu-sandbox',
      '--disable-updates',
      '--skip-welcome',
      '--skip-release-notes',
      ...(opts.mode === 'untrusted' ? [] : ['--disable-workspace-trust']),
      '--disable-telemetry',
      `--extensionTestsPath=${extensionTestsPath}`,
      `--extensionDevelopmentPath=${extensionDevelopmentPath}`,
      `--user-data-dir=${userDataDir}`,
      `--extensions-dir=${extensionsDir}`,
    ],
    env: { ...outer, XDG_RUNTIME_DIR: outer.XDG_RUNTIME_DIR ?? '/tmp', HP_E2E_REPORT: reportFile, HP_E2E_MODE: opts.mode },
  };
}

/** Writes the user settings and makes the profile folders; returns what was written. */
export function prepareProfile(plan: ElectronRunPlan, settings: Record<string, unknown>): void {
  mkdirSync(join(plan.userDataDir, 'User'), { recursive: true });
  mkdirSync(plan.extensionsDir, { recursive: true });
  writeFileSync(plan.settingsFile, JSON.stringify(settings, null, 2));
}

/** VS Code's CLI line that installs the .vsix into the run's own profile. */
export function installArgs(vscodeExecutablePath: string, plan: ElectronRunPlan, platform?: DownloadOptions['platform']): string[] {
  const [cli] = resolveCliArgsFromVSCodeExecutablePath(vscodeExecutablePath, { reuseMachineInstall: true, ...(platform ? { platform } : {}) });
  return [cli, `--user-data-dir=${plan.userDataDir}`, `--extensions-dir=${plan.extensionsDir}`, '--install-extension', plan.vsix, '--force'];
}

/** VS Code desktop needs a display: on Linux without one, xvfb-run provides it. */
export function displayWrapper(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, hasXvfbRun: boolean): string[] {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return [];
  if (!hasXvfbRun) throw new Error('VS Code desktop needs a display: install xvfb (apt install xvfb) or set DISPLAY');
  return ['xvfb-run', '-a'];
}

function hasXvfbRun(): boolean {
  return spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
}

export function installVsix(vscodeExecutablePath: string, plan: ElectronRunPlan): void {
  const [cli, ...args] = installArgs(vscodeExecutablePath, plan);
  const r = spawnSync(cli, args, { env: plan.env, encoding: 'utf8', timeout: 180_000, shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`installing ${plan.vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** Runs the suite in VS Code desktop; resolves with its exit code, its report and the tail of its output. */
export async function runElectronHostSuite(vscodeExecutablePath: string, plan: ElectronRunPlan, timeoutMs = 360_000): Promise<HostReport> {
  const [wrapper, ...wrapperArgs] = [...displayWrapper(process.platform, plan.env, hasXvfbRun()), vscodeExecutablePath];
  const child = spawn(wrapper, [...wrapperArgs, ...plan.args], { env: plan.env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32', shell: process.platform === 'win32' });
  const log: string[] = [];
  const collect = (d: Buffer) => log.push(...String(d).split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killAll = () => {
    try {
      if (process.platform === 'win32') child.kill('SIGKILL');
      else process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    timer = setTimeout(() => {
      killAll();
      reject(new Error(`VS Code did not finish the host suite in ${timeoutMs / 1000} s\n${log.slice(-40).join('\n')}`));
    }, timeoutMs);
  }).finally(() => {
    clearTimeout(timer);
    // VS Code leaves helpers (extension host, the bundled server) in its process group.
    killAll();
  });
  let report: { failures: number; results: HostReport['results'] } = { failures: -1, results: [] };
  try {
    report = JSON.parse(readFileSync(plan.reportFile, 'utf8'));
  } catch {
    // No report: the suite did not even load; the log says why.
  }
  return { exitCode, ...report, log };
}
