// The packaged extension in a real VS Code (code-server 4.139.1), driven like a user would: install
// the .vsix, open a fixture repository with a failing test, run "Hydrapatch: Solve Issue with N
// Samples" from the command palette, watch the status bar, review the panel (candidate groups, test
// grid, coverage plot), hide the panel and show it again, open a diff (one file, and two files in
// the multi-file diff editor), apply the best candidate, and check the file and its tests; switch
// the color theme (dark, high contrast, light) and measure the contrast of the panel's text; exclude
// a file from the context and re-run. The endpoint's key is set through "Set Endpoint API Key" first
// and must reach the endpoint, not the settings. Screenshots go to test-artifacts/. The model is a
// stand-in replaying raw outputs; the rest is real.
import * as assert from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { packageVsix } from './support/build';
import { ensureCodeServer, repoRoot, startCodeServer, type RunningCodeServer } from './support/codeServer';
import { FIXED_LINE, makeFixtureRepo, RAW_OUTPUTS, README_LINE } from './support/fixtureRepo';
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

  it('offers the models of this machine and the running servers in "Select Model"', async () => {
    await runCommand(page, 'Hydrapatch: Select Model');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    // The configured endpoint answers /v1/models with "replay"; the demo model ships with the extension.
    await rows.filter({ hasText: 'replay' }).first().waitFor({ timeout: 30_000 });
    await rows.filter({ hasText: 'Browse…' }).first().waitFor();
    await rows.filter({ hasText: 'Demo model' }).first().waitFor();
    // Before the server can list GGUF files this says so; after, the files (or that none were found) are listed.
    await rows.filter({ hasText: /could not be listed|No GGUF file found|GiB/ }).first().waitFor();
    await page.screenshot({ path: join(artifacts, 'select-model.png') });
    await page.locator('.quick-input-widget input').fill('replay');
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts .notification-toast', { hasText: `samples now come from replay at ${model.url}` }).waitFor({ timeout: 30_000 });
    const user = JSON.parse(readFileSync(join(server.home, 'user-data', 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.strictEqual(user['hydrapatch.backend'], 'openai-compatible');
    assert.strictEqual(user['hydrapatch.endpointModel'], 'replay');
    await runCommand(page, 'Notifications: Clear All Notifications');
  });

  it('solves the issue from the command palette, with progress in the status bar', async () => {
    await runCommand(page, 'Hydrapatch: Solve Issue with N Samples');
    await answer(page, 'the issue to solve', 'add() in src/math.js returns a - b; the test "add sums two numbers" fails.');
    await answer(page, 'how many samples', String(N));
    const status = page.locator('.part.statusbar .statusbar-item', { hasText: /Hydrapatch: .*sampled/ }).first();
    await status.waitFor({ timeout: 60_000 });
    assert.match((await status.innerText()).trim(), new RegExp(`^Hydrapatch: [A-Z][a-z ]+ · \\d+/${N} sampled · \\d+ tested · \\d+ verified$`));
    await page.locator('.part.statusbar').screenshot({ path: join(artifacts, 'statusbar-running.png') });
    await panel.locator('#progress', { hasText: /^Done/ }).waitFor({ timeout: 240_000 });
    await page.locator('.part.statusbar .statusbar-item', { hasText: new RegExp(`Hydrapatch: Done · ${N}/${N} sampled`) }).first().waitFor();
    await page.locator('.part.statusbar').screenshot({ path: join(artifacts, 'statusbar-done.png') });
  });

  it('lists the ranked candidate groups, the test grid and the coverage plot', async () => {
    const rows = panel.locator('tr.group');
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 3, 'expected several candidate groups');
    assert.match(await rows.first().innerText(), /verified/);
    assert.strictEqual((await rows.first().locator('td.rank').innerText()).trim(), '1');
    assert.strictEqual((await rows.first().locator('td.samples').innerText()).trim(), '3');
    assert.strictEqual(await panel.locator('svg.coverage-plot circle.point').count() > 0, true);
    assert.strictEqual(await panel.locator('svg.coverage-plot path.fit').count() > 0, true);
    assert.strictEqual(await panel.locator('table.grid td.cell.fixed').count() > 0, true, 'the fixed test should show in the grid');
    assert.strictEqual(await panel.locator('table.grid td.cell.new-failure').count() > 0, true, 'the candidate breaking mul should show a new failure');
    await page.screenshot({ path: join(artifacts, 'panel.png') });
  });

  it('shows the evidence: headers, legend, each candidate\'s explanation, tests and output, what did not apply, what the run used', async () => {
    const rows = panel.locator('tr.group');
    const headers = (await panel.locator('table.groups tr.head th').allInnerTexts()).map((t) => t.trim());
    assert.deepStrictEqual(headers.slice(0, 4), ['Candidate', 'Verdict', 'Samples', 'Applied']);
    await panel.locator('#legend', { hasText: 'fixed: failed before, passes now' }).waitFor();
    // The blue Apply only on the best verified candidate.
    assert.strictEqual(await rows.first().locator('vscode-button[data-action="apply"]').getAttribute('secondary'), null, 'the verified candidate\'s Apply should be the primary one');
    for (let i = 1; i < (await rows.count()); i++) {
      const apply = rows.nth(i).locator('vscode-button[data-action="apply"]');
      if (await apply.count()) assert.strictEqual(await apply.getAttribute('secondary'), '', `candidate ${i + 1} (not verified) has a primary Apply`);
    }
    // The first candidate's evidence is shown until another is selected.
    const evidence = panel.locator('#evidence');
    await evidence.locator('h3', { hasText: 'Candidate 1: verified' }).waitFor();
    assert.match(await evidence.locator('.tests-fixed').innerText(), /Fixed \(1\): add sums two numbers/);
    assert.match(await evidence.locator('details.output summary').innerText(), /node --test · exit code 0/);
    // Another candidate: its own explanation (the prose of its sample, without the edit).
    const twoFiles = panel.locator('tr.group', { has: panel.locator('td.files', { hasText: 'README.md' }) });
    await twoFiles.locator('td.rank').click();
    await evidence.locator('blockquote.explanation', { hasText: 'Fix add and say what it returns:' }).waitFor();
    assert.doesNotMatch(await evidence.locator('blockquote.explanation').innerText(), /SEARCH|REPLACE|return a/);
    await panel.locator('details.output summary').first().click();
    await panel.locator('details.output pre', { hasText: /add sums two numbers/ }).waitFor();
    // The sample whose edit matched nothing is counted, with its reason.
    await panel.locator('#not-applied h3', { hasText: `Samples that did not apply (1 of ${N})` }).waitFor();
    assert.match(await panel.locator('#not-applied li').innerText(), /src\/math\.js/);
    // What the run used: the test command and why, the failing test before, the files sent.
    assert.match(await panel.locator('#test-command').innerText(), /node --test — the hydrapatch\.testCommand setting/);
    assert.match(await panel.locator('#baseline').innerText(), /1 test fails: add sums two numbers/);
    assert.ok((await panel.locator('#context li').allInnerTexts()).some((t) => t.startsWith('src/math.js')), 'src/math.js should be listed as sent');
    assert.match(await panel.locator('#context').innerText(), /\d+ of the \d+-token budget/);
    // Plain words: no CLI flag, no raw pipeline code.
    // (The user's own test command and its output may hold flags: they are left out of the check.)
    const text = await panel.locator('body').evaluate((b) => {
      const copy = b.cloneNode(true) as HTMLElement;
      for (const el of copy.querySelectorAll('code, pre, details.output summary')) el.remove();
      return copy.innerText || copy.textContent || '';
    });
    assert.doesNotMatch(text, /(^|\s)--[a-z]/m);
    assert.doesNotMatch(text, /\b(clean|fuzzy|pass@\d|no-fix|bwrap)\b/);
    await panel.locator('#evidence').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'panel-evidence.png') });
    await panel.locator('#run-details').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'panel-run-details.png') });
    await rows.first().locator('td.rank').click();
  });

  it('follows the light, dark and high-contrast themes with readable text', async () => {
    // This workbench starts in "Light 2026", so each switch changes the panel's colours.
    let previous = { fg: '', bg: '' };
    for (const [theme, file, kind] of [['Dark Modern', 'dark', 'vscode-dark'], ['Dark High Contrast', 'hc', 'vscode-high-contrast'], ['Light Modern', 'light', 'vscode-light']] as const) {
      await selectColorTheme(page, theme);
      await until(`the panel in ${theme}`, async () => (await panel.locator('body').getAttribute('class'))?.split(' ').includes(kind) ?? false, 30_000);
      // The theme's colours reach the webview with its class; wait for the text colour to settle too.
      await until(`the panel's colours in ${theme}`, async () => (await panel.locator('body').evaluate((b) => getComputedStyle(b).color)) !== previous.fg, 10_000);
      const seen = await panel.locator('body').evaluate(readColours, THEMED);
      const body = seen.find((c) => c.name === 'body text')!;
      assert.notStrictEqual(body.bg, previous.bg, `${theme}: the panel kept the previous theme's background`);
      previous = body;
      for (const name of Object.keys(THEMED)) assert.ok(seen.some((c) => c.name === name), `${theme}: no ${name} in the panel`);
      const unreadable = seen.map((c) => ({ ...c, ratio: contrast(c.fg, c.bg) })).filter((c) => c.ratio < 4.5);
      await panel.locator('#groups').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, `panel-theme-${file}.png`) });
      assert.deepStrictEqual(unreadable.map((c) => `${c.name} "${c.text}": ${c.fg} on ${c.bg} (${c.ratio.toFixed(2)})`), [], `${theme}: text below contrast 4.5`);
    }
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
    // Named as the panel numbers it: row 1 is "candidate 1".
    await page.locator('.tab', { hasText: 'Hydrapatch candidate 1: src/math.js' }).first().waitFor();
    await page.screenshot({ path: join(artifacts, 'diff.png') });
  });

  it('opens a candidate that changes two files in the multi-file diff editor, beside the panel', async () => {
    const row = panel.locator('tr.group', { has: panel.locator('td.files', { hasText: 'README.md' }) });
    assert.match(await row.locator('td.files').innerText(), /README\.md.*src\/math\.js|src\/math\.js.*README\.md/s);
    // With the panel's own group active, as after any click into it.
    await page.locator('.tab', { hasText: 'Hydrapatch Candidates' }).click();
    await row.locator('vscode-button[data-action="openDiff"]').click();
    const rank = (await row.locator('td.rank').innerText()).trim();
    const tab = page.locator('.tab', { hasText: `Hydrapatch candidate ${rank} (2 files)` }).first();
    await tab.waitFor({ timeout: 30_000 });
    assert.strictEqual((await tab.innerText()).trim(), `Hydrapatch candidate ${rank} (2 files)`, 'the tab title');
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
    const copiedNotice = panel.locator('.notice', { hasText: 'Patch of candidate 2 copied' });
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
    // Until the file is the committed one, not merely without the fix: a save read halfway is neither.
    const committed = execFileSync('git', ['show', 'HEAD:src/math.js'], { cwd: folder, encoding: 'utf8' });
    const end = Date.now() + 15_000;
    while (readFileSync(file, 'utf8') !== committed) {
      if (Date.now() > end) {
        await page.screenshot({ path: join(artifacts, 'undo-failed.png') });
        assert.fail(`one Undo did not revert the candidate; the file reads:\n${readFileSync(file, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.strictEqual(execFileSync('git', ['status', '--porcelain'], { cwd: folder, encoding: 'utf8' }), '', 'after Undo the file should equal the commit');
    // The panel follows: the candidate is no longer "applied", and can be applied again.
    await page.locator('.tab', { hasText: 'Hydrapatch Candidates' }).click();
    await panel.locator('tr.group').first().locator('vscode-button[data-action="apply"]').waitFor({ timeout: 15_000 });
    assert.strictEqual(await panel.locator('tr.group').first().getByText('applied', { exact: true }).count(), 0, 'the panel still says applied after Undo');
  });

  /** The panel's candidate rows (number · verdict · samples) before the window reload, to compare after it. */
  let rowsBeforeReload: string[] = [];
  const rowSummary = async () => {
    const out: string[] = [];
    for (const row of await panel.locator('tr.group').all()) {
      out.push([await row.locator('td.rank').innerText(), await row.locator('td.verdict').innerText(), await row.locator('td.samples').innerText()].map((t) => t.trim()).join(' · '));
    }
    return out;
  };

  it('draws N more samples into the same run: the samples grow, coverage updates, the numbers stay', async () => {
    await page.locator('.tab', { hasText: 'Hydrapatch Candidates' }).click();
    const before = await rowSummary();
    assert.ok(before.length >= 3, `rows ${before.join(' | ')}`);
    await panel.locator('.coverage-words', { hasText: `of ${N} tested samples verified` }).waitFor();
    // Beside the forecast: as many more as were drawn (the forecast's first point is at twice the samples).
    const more = panel.locator('#coverage vscode-button[data-run-action="drawMore"]');
    assert.strictEqual((await more.innerText()).trim(), `Draw ${N} more`);
    await more.click();
    await panel.locator('#progress', { hasText: new RegExp(`^Done · ${2 * N}/${2 * N} sampled`) }).waitFor({ timeout: 240_000 });
    await panel.locator('.coverage-words', { hasText: `of ${2 * N} tested samples verified` }).waitFor();
    // The stand-in model gives its 8 outputs again: every new sample joins the candidate that wrote the same patch.
    const after = await rowSummary();
    assert.deepStrictEqual(after, before.map((r) => r.replace(/ · (\d+)$/, (_, n: string) => ` · ${2 * Number(n)}`)), 'each candidate keeps its number and doubles its samples');
    await panel.locator('#not-applied h3', { hasText: `Samples that did not apply (2 of ${2 * N})` }).waitFor();
    await page.locator('.part.statusbar .statusbar-item', { hasText: new RegExp(`Hydrapatch: Done · ${2 * N}/${2 * N} sampled`) }).first().waitFor();
    assert.ok(model.requests >= 2, 'the second round asked the model again');
    await panel.locator('#coverage').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'panel-draw-more.png') });
    rowsBeforeReload = after;
  });

  it('reopens the run from the run history after a window reload, and applies from it', async () => {
    assert.ok(rowsBeforeReload.length > 0, 'needs the run of the test before');
    // The old page's status bar is still there until the reload navigates: wait for the new page first.
    const reloaded = page.waitForEvent('load', { timeout: 90_000 });
    await runCommand(page, 'Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
    await runCommand(page, 'Hydrapatch: Show Run History');
    const item = page.locator('.quick-input-list .monaco-list-row', { hasText: 'add() in src/math.js returns a - b' }).first();
    await item.waitFor({ timeout: 30_000 });
    assert.match(await item.innerText(), new RegExp(`${2 * N} samples · \\d+ verified`));
    await page.screenshot({ path: join(artifacts, 'run-history.png') });
    await item.click();
    await panel.locator('#history-note', { hasText: 'Reopened from the run history' }).waitFor({ timeout: 30_000 });
    assert.deepStrictEqual(await rowSummary(), rowsBeforeReload, 'the stored run lists the same candidates');
    assert.strictEqual(await panel.locator('vscode-button[data-run-action="drawMore"]').count(), 0, 'no more samples into a stored run');
    await page.screenshot({ path: join(artifacts, 'panel-from-history.png') });
    // Applicable: the file is still the version the candidates were tested on.
    const file = join(folder, 'src/math.js');
    await panel.locator('tr.group').first().locator('vscode-button[data-action="apply"]').click();
    await until('the fix on disk', () => readFileSync(file, 'utf8').includes(FIXED_LINE));
    assert.strictEqual(fixtureTests(folder), 0, 'the tests should pass after applying');
    execFileSync('git', ['checkout', '--', 'src/math.js'], { cwd: folder });
  });

  it('cancels a run from the panel', async () => {
    await runCommand(page, 'Hydrapatch: Solve Issue with N Samples');
    await answer(page, 'the issue to solve', 'add() in src/math.js returns a - b (slow)');
    await answer(page, 'how many samples', '64');
    const cancel = panel.locator('vscode-button[data-run-action="cancel"]');
    await cancel.waitFor({ state: 'visible', timeout: 60_000 });
    await panel.locator('#progress', { hasText: /^Drawing samples · ([2-9]|\d\d)\/64 sampled/ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(artifacts, 'panel-running.png') });
    await cancel.click();
    await panel.locator('#progress', { hasText: /^Cancelled/ }).waitFor({ timeout: 60_000 });
    assert.strictEqual(await cancel.isVisible(), false, 'Cancel stays after the run ended');
    await page.locator('.part.statusbar .statusbar-item', { hasText: /Hydrapatch: Cancelled/ }).first().waitFor();
    assert.strictEqual(execFileSync('git', ['status', '--porcelain'], { cwd: folder, encoding: 'utf8' }), '');
  });


  it('excludes a file from the context, pins another and re-runs: the new run sends the pinned one first and not the excluded one', async () => {
    const file = (list: string, path: string) => panel.locator(`#${list} li[data-path="${path}"]`);
    // README.md shares "add" with the issue, so the run sent it, and the model got its text.
    await file('context-files', 'README.md').waitFor();
    assert.ok(model.completionBodies.some((b) => b.includes(README_LINE)), 'the first run should have sent README.md');
    const sentBefore = await panel.locator('#context-files li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-path')));
    assert.notStrictEqual(sentBefore[0], 'package.json', 'package.json should rank below another file');
    await file('context-files', 'README.md').locator('vscode-button[data-context-action="exclude"]').click();
    await file('context-files', 'README.md').locator('.steer-mark', { hasText: 'excluded' }).waitFor();
    await panel.locator('#context-next', { hasText: 'The next run leaves out README.md' }).waitFor();
    // Any file of the repository can be pinned, through a quick pick of its files.
    await panel.locator('vscode-button[data-run-action="pinFile"]').click();
    await answer(page, 'pin which file', 'package.json');
    await panel.locator('#context-next', { hasText: 'The next run pins package.json and leaves out README.md' }).waitFor();
    await panel.locator('#context').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'panel-context.png') });
    const asked = model.completionBodies.length;
    await panel.locator('vscode-button[data-run-action="rerunWithContext"]').click();
    // The new run's list: README.md under "excluded", not among the files sent; src/math.js still sent.
    await file('context-excluded', 'README.md').waitFor({ timeout: 60_000 });
    const sent = await panel.locator('#context-files li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-path')));
    assert.ok(sent.includes('src/math.js') && !sent.includes('README.md'), `sent: ${sent.join(', ')}`);
    assert.strictEqual(sent[0], 'package.json', 'the pinned file comes first (it ranked lower before)');
    assert.match(await file('context-files', 'package.json').innerText(), /pinned by you/);
    await until('the new run to ask the model', () => model.completionBodies.length > asked, 60_000);
    assert.ok(model.completionBodies.slice(asked).every((b) => !b.includes(README_LINE) && !b.includes('README.md')), 'the new run sent README.md');
    // In one step: the running panel re-renders its content every 150 ms, so a located element goes stale.
    await panel.locator('body').evaluate(() => document.getElementById('context')?.scrollIntoView());
    await page.screenshot({ path: join(artifacts, 'panel-context-rerun.png') });
    const cancel = panel.locator('vscode-button[data-run-action="cancel"]');
    if (await cancel.isVisible()) await cancel.click();
    await panel.locator('#progress', { hasText: /^(Cancelled|Done)/ }).waitFor({ timeout: 120_000 });
  });
});

/** The panel's elements whose text must stay readable in every theme (first few of each selector). */
const THEMED: Record<string, string> = {
  'body text': 'header h2',
  progress: '#progress',
  'verdict badge': 'vscode-badge.verdict',
  'primary button': 'vscode-button:not([secondary])',
  'secondary button': 'vscode-button[secondary]',
  'column header': 'table.groups th',
  'candidate row': 'table.groups tr.group td.files',
  'fixed tests': '.tests-fixed strong',
  'context file': '#context-files li',
  'selected row': 'table.groups tr.group.selected td.samples',
  'grid cell': 'table.grid td.cell',
  legend: '#legend .legend-item',
  'muted text': 'p.muted',
  'test output': 'details.output summary',
};

/**
 * Runs in the panel: for each visible element of each selector (its shadow root's inner part for
 * vscode-elements), its text colour and the opaque colour behind it. Colours are painted on a 1×1
 * canvas (every background from the editor's down to the element's, then the text), so any CSS colour
 * syntax and any alpha come out as plain rgb().
 */
function readColours(body: HTMLElement, selectors: Record<string, string>): { name: string; text: string; fg: string; bg: string }[] {
  // No named inner functions: tsx compiles them with a helper (__name) that the page does not have.
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const editor = getComputedStyle(body).getPropertyValue('--vscode-editor-background').trim();
  const out: { name: string; text: string; fg: string; bg: string }[] = [];
  for (const [name, selector] of Object.entries(selectors)) {
    for (const host of [...body.querySelectorAll(selector)].filter((el) => el.getClientRects().length > 0).slice(0, 6)) {
      const el = host.shadowRoot?.querySelector('.base, .root') ?? host;
      const layers = [editor];
      for (let e: Element | null = el; e; e = e.parentElement ?? ((e.getRootNode() as ShadowRoot).host || null)) layers.splice(1, 0, getComputedStyle(e).backgroundColor);
      ctx.clearRect(0, 0, 1, 1);
      for (const c of layers) {
        ctx.fillStyle = c;
        ctx.fillRect(0, 0, 1, 1);
      }
      const [br, bgr, bb] = ctx.getImageData(0, 0, 1, 1).data;
      ctx.fillStyle = getComputedStyle(el).color;
      ctx.fillRect(0, 0, 1, 1);
      const [fr, fgr, fb] = ctx.getImageData(0, 0, 1, 1).data;
      out.push({ name, text: (host.textContent ?? '').trim().slice(0, 30), fg: `rgb(${fr}, ${fgr}, ${fb})`, bg: `rgb(${br}, ${bgr}, ${bb})` });
    }
  }
  return out;
}

/** "Preferences: Color Theme" (not the Marketplace entry listed above it), then the theme by name. */
async function selectColorTheme(page: Page, theme: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await page.keyboard.press('F1');
  await input.fill('>Preferences: Color Theme');
  await rows.filter({ has: page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) }).click();
  // The picker lists the installed themes once the built-in theme extensions are scanned.
  await rows.filter({ hasText: 'high contrast themes' }).first().waitFor({ timeout: 60_000 });
  await input.fill(theme);
  await rows.first().filter({ hasText: theme }).waitFor();
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** WCAG contrast ratio of two CSS colours (rgb(), rgba() or #rrggbb). */
function contrast(a: string, b: string): number {
  const rgb = (c: string): number[] => {
    const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(c);
    if (hex) return hex.slice(1, 4).map((x) => parseInt(x, 16));
    const m = c.match(/[\d.]+/g);
    assert.ok(m && m.length >= 3, `not a colour: ${c}`);
    return m.slice(0, 3).map(Number);
  };
  const lum = (c: string) => {
    const [r, g, bl] = rgb(c).map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
