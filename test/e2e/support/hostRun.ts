// Runs the in-host mocha suite (test/e2e/host) inside code-server through the smoke-test driver:
// the workbench opens the fixture folder with the repository as the extension under development,
// and reports the exit code through codeAutomationExit (setup-notes.md).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './browser';
import type { HostMode } from '../host/hostTests';
import { repoRoot, startCodeServer, type CodeServerPaths } from './codeServer';

export interface HostReport {
  exitCode: number;
  failures: number;
  results: { title: string; state: string; error?: string; ms?: number }[];
  /** The browser's console (code-server), or VS Code's stdout and stderr (desktop). */
  log: string[];
}

/** The failed host tests with their errors, and the tail of the log: the message of a failed assertion. */
export function explainHostReport(r: HostReport): string {
  const failed = r.results.filter((t) => t.state !== 'passed').map((t) => `${t.title}\n${t.error}`);
  return `exit ${r.exitCode}, ${r.failures} failures\n${failed.join('\n\n')}\n--- log tail ---\n${r.log.slice(-30).join('\n')}`;
}

export async function runHostSuite(opts: { paths: CodeServerPaths; folder: string; mode: HostMode; settings: Record<string, unknown> }): Promise<HostReport> {
  const scratch = mkdtempSync(join(tmpdir(), 'hp-e2e-report-'));
  const reportFile = join(scratch, 'report.json');
  const server = await startCodeServer({
    paths: opts.paths,
    settings: opts.settings,
    vscodeOptions: ['enable-smoke-test-driver'],
    env: { HP_E2E_REPORT: reportFile, HP_E2E_MODE: opts.mode },
  });
  const browser = await launchBrowser();
  const browserLog: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('console', (m) => browserLog.push(m.text()));
    const shot = join(repoRoot, 'test-artifacts', `host-${opts.mode}.png`);
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    const exited = new Promise<number>((resolve) => {
      // The workbench waits for this call before it shuts down: the screenshot shows the end state
      // (e.g. the panel of the untrusted run) for a person to look at.
      void page.exposeFunction('codeAutomationExit', async (code: number) => {
        await page.screenshot({ path: shot }).catch(() => undefined);
        resolve(code);
      });
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(repoRoot)],
      ['extensionTestsPath', remote(join(repoRoot, 'out', 'e2e', 'hostSuite.js'))],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(opts.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    // Cleared when the suite ends: a pending 6-minute timer would keep this test process alive that long.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the host suite did not finish in 6 min\n${browserLog.slice(-40).join('\n')}`)), 360_000);
    });
    const exitCode = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    let report: { failures: number; results: HostReport['results'] } = { failures: -1, results: [] };
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8'));
    } catch {
      // No report: the suite did not even load; the browser log says why.
    }
    return { exitCode, ...report, log: browserLog };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
