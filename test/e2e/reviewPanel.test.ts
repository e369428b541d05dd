// The packaged extension in a real VS Code (code-server 4.139.1), driven like a user would: install
// the .vsix, open a fixture repository with a failing test, run "Hydrapatch: Solve Issue with N
// Samples" from the command palette, watch the status bar, review the panel (candidate groups, test
// grid, coverage plot), hide the panel and show it again, open a diff (one file, and two files in
// the multi-file diff editor), apply the best candidate, and check the file and its tests. The
// endpoint's key is set through "Set Endpoint API Key" first and must reach the endpoint, not the
// settings. Screenshots go to test-artifacts/. The model is a stand-in replaying raw outputs; the rest is real.
import * as assert from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { packageVsix } from './support/build';
import { ensureCodeServer, repoRoot, startCodeServer, type RunningCodeServer } from './support/codeServer';
import { FIXED_LINE, makeFixtureRepo, RAW_OUTPUTS } from './support/fixtureRepo';
import { startReplayModel, type ReplayModel } from './support/replayModel';
import { answer, panelFrame, quickOpen, runCommand, until } from './support/workbench';

const artifacts = join(repoRoot, 'test-artifacts');
const N = 8;
/** The endpoint's API key, typed into "Hydrapatch: Set Endpoint API Key". */
const KEY = `sk-hp-e2e-${process.pid}-${Date.now().toString(36)}`;

/** The fixture's own tests, run as a user would (outside node:test's child-process protocol). */
function fixtureTests(folder: string): number | null {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return spawnSync('node', ['--test'], { cwd: folder, stdio: 'ignore', env }).status;
}

describe('review panel in a real VS Code (packaged .vsix)', { timeout: 900_000 }, () => {
  let model: ReplayModel;
  let server: RunningCodeServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let panel: FrameLocator;
  let folder: string;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const paths = await ensureCodeServer();
    // HP_E2E_VSIX tests a .vsix built elsewhere (e.g. by CI's packaging step) instead of packaging here.
    const vsix = process.env.HP_E2E_VSIX ?? packageVsix();
    model = await startReplayModel(RAW_OUTPUTS);
    folder = makeFixtureRepo();
    server = await startCodeServer({
      paths,
      install: [vsix],
      settings: {
        'hydrapatch.backend': 'openai-compatible',
        'hydrapatch.endpoint': model.url,
        'hydrapatch.endpointModel': 'replay',
        'hydrapatch.testCommand': 'node --test',
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
      },
    });
    browser = await launchBrowser();
    // "Copy Patch" writes the system clipboard through the browser, which asks for this permission.
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await browser.context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
    panel = panelFrame(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await model?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('stores the endpoint key typed into "Set Endpoint API Key"', async () => {
    await runCommand(page, 'Hydrapatch: Set Endpoint API Key');
    await answer(page, 'API key of the OpenAI-compatible endpoint', KEY);
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    assert.strictEqual(model.completionHeaders.length, 0, 'nothing was sampled yet');
  });

  it('solves the issue from the command palette, with progress in the status bar', async () => {
    await runCommand(page, 'Hydrapatch: Solve Issue with N Samples');
    await answer(page, 'the issue to solve', 'add() in src/math.js returns a - b; the test "add sums two numbers" fails.');
    await answer(page, 'how many samples', String(N));
    const status = page.locator('.part.statusbar .statusbar-item', { hasText: /Hydrapatch .*sampled/ }).first();
    await status.waitFor({ timeout: 60_000 });
    assert.match((await status.innerText()).trim(), new RegExp(`Hydrapatch \\d+/${N} sampled · \\d+ tested · \\d+ pass`));
    await page.locator('.part.statusbar').screenshot({ path: join(artifacts, 'statusbar-running.png') });
    await panel.locator('#progress', { hasText: /^done/ }).waitFor({ timeout: 240_000 });
    await page.locator('.part.statusbar .statusbar-item', { hasText: new RegExp(`${N}/${N} sampled`) }).first().waitFor();
    await page.locator('.part.statusbar').screenshot({ path: join(artifacts, 'statusbar-done.png') });
  });

  it('lists the ranked candidate groups, the test grid and the coverage plot', async () => {
    const rows = panel.locator('tr.group');
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 3, 'expected several candidate groups');
    assert.match(await rows.first().innerText(), /verified/);
    assert.match(await rows.first().innerText(), /3 samples/);
    assert.strictEqual(await panel.locator('svg.coverage-plot circle.point').count() > 0, true);
    assert.strictEqual(await panel.locator('svg.coverage-plot path.fit').count() > 0, true);
    assert.strictEqual(await panel.locator('table.grid td.cell.fixed').count() > 0, true, 'the fixed test should show in the grid');
    assert.strictEqual(await panel.locator('table.grid td.cell.new-failure').count() > 0, true, 'the candidate breaking mul should show a new failure');
    await page.screenshot({ path: join(artifacts, 'panel.png') });
  });

  it('sent the key to the endpoint as a Bearer token, and kept it out of settings.json', async () => {
    assert.ok(model.completionHeaders.length >= 1, 'the endpoint was never asked');
    for (const h of model.completionHeaders) assert.strictEqual(h.authorization, `Bearer ${KEY}`);
    const settingsFiles = [join(server.home, 'user-data', 'User', 'settings.json'), join(folder, '.vscode', 'settings.json')];
    for (const f of settingsFiles.filter((f) => existsSync(f))) assert.ok(!readFileSync(f, 'utf8').includes(KEY), `the key is in ${f}`);
    assert.ok(existsSync(settingsFiles[0]), 'the user settings file should exist');
  });

  it('restores the candidates and the selected group when the panel is hidden and shown again', async () => {
    const rows = panel.locator('tr.group');
    const listed = await rows.allInnerTexts();
    await rows.nth(1).locator('td.rank').click();
    await panel.locator('tr.group.selected').waitFor();
    assert.strictEqual(await rows.nth(1).getAttribute('aria-selected'), 'true');
    // A mark in this webview's document: gone after showing again proves the webview was made anew.
    await panel.locator('body').evaluate((b) => (b.dataset.hpMark = 'before-hide'));
    // Another editor in the panel's group hides the panel (its webview is not retained while hidden).
    const panelTab = page.locator('.tab', { hasText: 'Hydrapatch Candidates' });
    await panelTab.click();
    await quickOpen(page, 'package.json');
    await page.locator('.tab.active', { hasText: 'package.json' }).waitFor();
    await until('the panel to be hidden', async () => (await page.locator('.tab.active', { hasText: 'Hydrapatch Candidates' }).count()) === 0);
    await page.screenshot({ path: join(artifacts, 'panel-hidden.png') });
    await panelTab.click();
    await rows.first().waitFor({ timeout: 30_000 });
    assert.strictEqual(await panel.locator('body').getAttribute('data-hp-mark'), null, 'the webview was kept while hidden, so nothing was restored');
    assert.deepStrictEqual(await rows.allInnerTexts(), listed, 'the candidate groups came back changed');
    assert.strictEqual(await panel.locator('tr.group.selected').count(), 1, 'the selection was lost');
    assert.strictEqual(await rows.nth(1).getAttribute('aria-selected'), 'true', 'another group is selected');
    assert.ok((await panel.locator('table.grid th.selected').count()) === 1, 'the selected group\'s column in the test grid');
    await page.screenshot({ path: join(artifacts, 'panel-restored.png') });
  });

  it('opens the best candidate in VS Code\'s diff editor', async () => {
    await panel.locator('tr.group').first().locator('vscode-button[data-action="openDiff"]').click();
    const diff = page.locator('.monaco-diff-editor');
    await diff.first().waitFor({ timeout: 30_000 });
    await page.locator('.tab', { hasText: 'Hydrapatch #' }).first().waitFor();
    await page.screenshot({ path: join(artifacts, 'diff.png') });
  });

  it('opens a candidate that changes two files in the multi-file diff editor, beside the panel', async () => {
    const row = panel.locator('tr.group', { has: panel.locator('td.files', { hasText: 'README.md' }) });
    assert.match(await row.locator('td.files').innerText(), /README\.md.*src\/math\.js|src\/math\.js.*README\.md/s);
    // With the panel's own group active, as after any click into it.
    await page.locator('.tab', { hasText: 'Hydrapatch Candidates' }).click();
    await row.locator('vscode-button[data-action="openDiff"]').click();
    const tab = page.locator('.tab', { hasText: /Hydrapatch #\d+ \(2 files\)/ }).first();
    await tab.waitFor({ timeout: 30_000 });
    assert.match((await tab.innerText()).trim(), /^Hydrapatch #\d+ \(2 files\)$/, 'the tab title');
    const editor = page.locator('.multiDiffEditor');
    await editor.first().waitFor({ timeout: 30_000 });
    for (const name of ['README.md', 'math.js']) await editor.locator('.multiDiffEntry .header', { hasText: name }).first().waitFor({ timeout: 30_000 });
    // The candidate's side of each file: the README's new line and the fixed line.
    await editor.getByText('their product').first().waitFor({ timeout: 30_000 });
    await editor.getByText('return a + b;').first().waitFor({ timeout: 30_000 });
    // A candidate edits the files in place: no entry may read as a rename (before and after differ only in content).
    assert.strictEqual(await editor.locator('.multiDiffEntry .status.renamed').count(), 0, 'a file is shown as renamed');
    assert.strictEqual(await page.locator('.tab.active', { hasText: 'Hydrapatch Candidates' }).count(), 1, 'the panel should stay in view');
    await panel.locator('tr.group').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'diff-two-files.png') });
  });

  it('copies a patch and discards a group from the panel', async () => {
    const rows = panel.locator('tr.group');
    const before = await rows.count();
    await rows.nth(1).locator('vscode-button[data-action="copyPatch"]').click();
    const copiedNotice = panel.locator('.notice', { hasText: /Patch of candidate #\d+ copied/ });
    await copiedNotice.waitFor();
    // Still there after the state the action caused has been rendered (within 150 ms): users get to read it.
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(await copiedNotice.isVisible(), 'the notice vanished at the next render');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /^diff --git a\/src\/math\.js b\/src\/math\.js/m, 'the clipboard should hold the unified diff');
    await rows.last().locator('vscode-button[data-action="discard"]').click();
    const end = Date.now() + 15_000;
    while ((await rows.count()) !== before - 1) {
      if (Date.now() > end) assert.fail('the discarded group is still listed');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('applies the best candidate: the file changes and the tests pass', async () => {
    const file = join(folder, 'src/math.js');
    assert.ok(!readFileSync(file, 'utf8').includes(FIXED_LINE));
    assert.notStrictEqual(fixtureTests(folder), 0, 'the fixture should fail before');
    await panel.locator('tr.group').first().locator('vscode-button[data-action="apply"]').click();
    const end = Date.now() + 30_000;
    while (!readFileSync(file, 'utf8').includes(FIXED_LINE)) {
      if (Date.now() > end) assert.fail('the fix never reached the file on disk');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.strictEqual(fixtureTests(folder), 0, 'the tests should pass after applying');
    await panel.locator('tr.group').first().getByText('applied').waitFor();
    assert.strictEqual(execFileSync('git', ['worktree', 'list'], { cwd: folder, encoding: 'utf8' }).trim().split('\n').length, 1, 'a worktree was left behind');
    await page.screenshot({ path: join(artifacts, 'applied.png') });
  });

  it('reverts the whole candidate with one Undo in the editor', async () => {
    // Opened from the Explorer (a double click pins it and moves the keyboard focus into its editor,
    // out of the panel's webview, which keeps keys to itself).
    const rows = page.locator('.explorer-folders-view .monaco-list-row');
    if (!(await rows.filter({ hasText: /^math\.js$/ }).count())) await rows.filter({ hasText: /^src$/ }).click();
    await rows.filter({ hasText: /^math\.js$/ }).dblclick();
    await page.locator('.tab.active', { hasText: 'math.js', hasNotText: 'Hydrapatch' }).first().waitFor();
    await new Promise((r) => setTimeout(r, 1000));
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+S');
    const file = join(folder, 'src/math.js');
    const end = Date.now() + 15_000;
    while (readFileSync(file, 'utf8').includes(FIXED_LINE)) {
      if (Date.now() > end) {
        await page.screenshot({ path: join(artifacts, 'undo-failed.png') });
        assert.fail('one Undo did not revert the candidate');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.strictEqual(execFileSync('git', ['status', '--porcelain'], { cwd: folder, encoding: 'utf8' }), '', 'after Undo the file should equal the commit');
  });
});
