// What the extension asks and tells the user, seen in a real VS Code (code-server 4.139.1, packaged
// .vsix, Playwright): the modal that asks before candidate tests run unsandboxed, and the notification
// when the bundled server dies. code-server runs where bubblewrap is not installed (support/codeServer.ts
// withoutBwrap: a private mount namespace, the rest of the machine untouched), with the default
// hydrapatch.sandbox "auto", the bundled server and the demo model on the demo's cart repository.
// Every test command also appends a line to a log outside the worktree, so the test sees how many
// test runs really happened (unsandboxed, they can write there).
import * as assert from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { packageVsix } from './support/build';
import { ensureCodeServer, repoRoot, startCodeServer, withoutBwrap, type RunningCodeServer } from './support/codeServer';
import { makeCartRepo } from './support/fixtureRepo';
import { answer, panelFrame, runCommand, until } from './support/workbench';

const artifacts = join(repoRoot, 'test-artifacts');
const N = 4;
const ISSUE = 'cartTotal() in src/cart.js never counts the first item of the cart.';
const CONSENT = 'No sandbox is available';
const canHide = withoutBwrap('true', []) !== undefined;

/** The extension's log line once the server with this pid is ready. */
const ready = (pid: number) => new RegExp(`server ready on 127\\.0\\.0\\.1:\\d+ \\(pid ${pid}\\)`);

/** The bundled server's processes under this code-server (its extensions folder is in the command line). */
function serverPids(home: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(home) && cmd.includes('dist/server.js')) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Whether any log file of this code-server (the extension's "Hydrapatch" channel among them) matches `text`. */
function logsSay(home: string, text: RegExp): boolean {
  const walk = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return walk(p);
      return e.name.endsWith('.log') && text.test(readFileSync(p, 'utf8'));
    });
  return existsSync(join(home, 'user-data', 'logs')) && walk(join(home, 'user-data', 'logs'));
}

describe('consent and server notifications in a real VS Code without a sandbox', { timeout: 900_000, skip: canHide ? false : 'cannot make bubblewrap unavailable to code-server here (needs Linux and unshare --mount, as root or in a user namespace)' }, () => {
  let server: RunningCodeServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let panel: FrameLocator;
  let folder: string;
  let scratch: string;
  let runLog: string;
  /** A copy of the demo model, so that a test can take it away. */
  let model: string;
  /** Every consent dialog seen, counted by a watcher that runs for the whole suite. */
  let dialogsSeen = 0;
  let watching = true;
  let watcher: Promise<void> | undefined;

  const testRuns = () => (existsSync(runLog) ? readFileSync(runLog, 'utf8').split('\n').filter(Boolean).length : 0);
  const dialog = () => page.locator('.monaco-dialog-box', { hasText: CONSENT });

  async function solve(): Promise<void> {
    await runCommand(page, 'Hydrapatch: Solve Issue with N Samples');
    await answer(page, 'the issue to solve', ISSUE);
    await answer(page, 'how many samples', String(N));
  }

  /** Waits for the panel to show the run finished as `phase`; returns its progress line. */
  async function runEnds(phase: RegExp, timeoutMs = 240_000): Promise<string> {
    const progress = panel.locator('#progress', { hasText: phase });
    await progress.waitFor({ timeout: timeoutMs });
    return progress.innerText();
  }

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const paths = await ensureCodeServer();
    const vsix = process.env.HP_E2E_VSIX ?? packageVsix();
    folder = makeCartRepo(repoRoot);
    scratch = mkdtempSync(join(tmpdir(), 'hp-e2e-dialogs-'));
    runLog = join(scratch, 'test-runs.log');
    model = join(scratch, 'demo-bigram.gguf');
    copyFileSync(join(repoRoot, 'models', 'demo-bigram.gguf'), model);
    server = await startCodeServer({
      paths,
      install: [vsix],
      hideBwrap: true,
      settings: {
        'hydrapatch.backend': 'bundled',
        'hydrapatch.modelPath': model,
        'hydrapatch.temperature': 1,
        'hydrapatch.topP': 1,
        'hydrapatch.sandbox': 'auto',
        'hydrapatch.testCommand': `echo run >> '${runLog}' && node --test`,
        'hydrapatch.parallelTests': 2,
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
      },
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
    panel = panelFrame(page);
    watcher = (async () => {
      let shown = false;
      while (watching) {
        const now = await dialog().isVisible().catch(() => false);
        if (now && !shown) dialogsSeen++;
        shown = now;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  });

  after(async () => {
    watching = false;
    await watcher;
    await browser?.close();
    await server?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('asks before running tests unsandboxed; declining runs no test and keeps the candidates, untested', async () => {
    await solve();
    await dialog().waitFor({ timeout: 180_000 });
    assert.match(await dialog().innerText(), /model-written code would run with your permissions/);
    await page.screenshot({ path: join(artifacts, 'consent-dialog.png') });
    await dialog().locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    // The notification says why and what to do, as two sentences.
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'candidate tests were not run' });
    await toast.waitFor({ timeout: 30_000 });
    assert.match(await toast.innerText(), /\. Install bubblewrap/);
    // The run is not thrown away: it ends done, its candidates listed untested, the panel saying why.
    await runEnds(/^Done/);
    await panel.locator('.warning', { hasText: /^Tests were not run: bubblewrap .*\. Install bubblewrap/ }).waitFor();
    assert.strictEqual(await panel.locator('.error').count(), 0, 'the declined run shows as failed');
    assert.strictEqual(testRuns(), 0, 'a test command ran although the user declined');
    assert.strictEqual(dialogsSeen, 1);
    await page.screenshot({ path: join(artifacts, 'consent-declined.png') });
  });

  it('asks again after a refusal; agreeing runs the tests, marked unsandboxed', async () => {
    await solve();
    await dialog().waitFor({ timeout: 180_000 });
    await dialog().locator('.monaco-button', { hasText: 'Run Tests Unsandboxed' }).click();
    const text = await runEnds(/^Done/);
    assert.doesNotMatch(text, / 0 tested/);
    assert.ok(testRuns() >= 2, `the baseline and candidates should have run, saw ${testRuns()} runs`);
    await panel.locator('tr.group .unsandboxed', { hasText: 'unsandboxed' }).first().waitFor();
    assert.strictEqual(await panel.locator('tr.group', { hasText: /\bsandboxed/ }).count(), 0);
    assert.strictEqual(dialogsSeen, 2);
    await page.screenshot({ path: join(artifacts, 'consent-agreed.png') });
  });

  it('does not ask again in this workspace', async () => {
    const before = testRuns();
    const previous = await panel.locator('#progress').innerText();
    await solve();
    // The new run first shows as running (its counts start again), then done.
    await until('the next run to start', async () => (await panel.locator('#progress').innerText()) !== previous, 60_000);
    await runEnds(/^Done/);
    assert.ok(testRuns() > before, 'the tests did not run');
    assert.strictEqual(dialogsSeen, 2, 'asked again after the user agreed');
  });

  it('tells the user when the server dies, and starts it again with a growing back-off', async () => {
    const [first, ...others] = serverPids(server.home);
    assert.ok(first, 'the bundled server should be running after the runs');
    assert.deepStrictEqual(others, [], 'one server');
    await runCommand(page, 'Notifications: Clear All Notifications');
    const died = (delay: number) => page.locator('.notifications-toasts .notification-toast', { hasText: `the server stopped unexpectedly (SIGKILL); restarting in ${delay} s` });

    process.kill(first, 'SIGKILL');
    await died(1).waitFor({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1000)); // the toast's entrance, for the screenshot
    await page.screenshot({ path: join(artifacts, 'server-died.png') });
    await until('a new server process', () => serverPids(server.home).some((p) => p !== first), 120_000);

    // Dying again soon after its restart counts as a crash loop: the wait doubles. (Killed once it is
    // ready, as the extension logs it: a server that dies while starting fails its start instead.)
    const [second] = serverPids(server.home);
    await until('the new server to be ready', () => logsSay(server.home, ready(second)), 120_000);
    process.kill(second, 'SIGKILL');
    await died(2).waitFor({ timeout: 30_000 });
    await until('a third server process', () => serverPids(server.home).some((p) => p !== first && p !== second), 120_000);
  });

  it('tells the user when a restart fails', async () => {
    const [third] = serverPids(server.home);
    await until('the server to be ready', () => logsSay(server.home, ready(third)), 120_000);
    await runCommand(page, 'Notifications: Clear All Notifications');
    rmSync(model); // the restarted server cannot load it
    process.kill(third, 'SIGKILL');
    await page.locator('.notifications-toasts .notification-toast', { hasText: 'the server stopped unexpectedly (SIGKILL); restarting in 4 s' }).waitFor({ timeout: 30_000 });
    const failed = page.locator('.notifications-toasts .notification-toast', { hasText: 'the server could not be restarted' });
    await failed.waitFor({ timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await page.screenshot({ path: join(artifacts, 'server-restart-failed.png') });
    assert.deepStrictEqual(serverPids(server.home), [], 'no server should be left');
  });
});
