// The extension's behaviour seen from inside the real extension host: commands, settings, workspace
// trust and cancel, each against the fixture repository that is the open folder and the replaying
// stand-in model at hydrapatch.endpoint. Registered into mocha by hostSuite.ts.
import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { HydrapatchApi } from '../../../src/extension/extension';
import type { PanelState } from '../../../src/protocol/webview';

const EXTENSION_ID = 'hydrapatch.hydrapatch';
const ISSUE = 'add() in src/math.js subtracts instead of adding; the test "add sums two numbers" fails.';

async function api(): Promise<HydrapatchApi> {
  const ext = vscode.extensions.getExtension<HydrapatchApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.activate();
}

function folder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no folder is open');
  return f.uri.fsPath;
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: folder(), encoding: 'utf8' });

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function solveAndWait(hp: HydrapatchApi, n: number, issue = ISSUE): Promise<PanelState> {
  const previous = hp.state()?.runId ?? 0;
  await vscode.commands.executeCommand('hydrapatch.solve', { issue, n });
  await until('the run to start', () => (hp.state()?.runId ?? 0) > previous, 10_000);
  await hp.idle();
  const state = hp.state();
  assert.ok(state, 'no run state after solve');
  return state;
}

async function replayStats(): Promise<{ requests: number; abandoned: number }> {
  const endpoint = vscode.workspace.getConfiguration('hydrapatch').get<string>('endpoint', '');
  return (await (await fetch(`${endpoint}/replay-stats`)).json()) as { requests: number; abandoned: number };
}

function worktrees(): string[] {
  return git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '));
}

export type HostMode = 'trusted' | 'untrusted' | 'bundled';

export function registerHostTests(mode: HostMode): void {
  describe(`Hydrapatch in the extension host (${mode} folder)`, () => {
    const watched = mode === 'bundled' ? 'src/cart.js' : 'src/math.js';
    const original = () => readFileSync(join(folder(), watched), 'utf8');
    let unchanged = '';
    before(() => (unchanged = original()));

    it('registers every command in the "Hydrapatch" category', async () => {
      await api();
      const all = await vscode.commands.getCommands(true);
      for (const id of ['solve', 'selectModel', 'cancel', 'showCandidates', 'applyCandidate', 'restartServer', 'showLog', 'setEndpointKey']) {
        assert.ok(all.includes(`hydrapatch.${id}`), `hydrapatch.${id} missing`);
      }
      type Step = { description: string; media: { markdown: string } };
      const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { category: string }[]; walkthroughs: { steps: Step[] }[] } };
      assert.ok(manifest.contributes.commands.every((c) => c.category === 'Hydrapatch'));
      // The first-run walkthrough: each step's link is a registered command, each step's page exists.
      assert.strictEqual(manifest.contributes.walkthroughs.length, 1);
      for (const step of manifest.contributes.walkthroughs[0].steps) {
        const linked = /\(command:([\w.]+)\)/.exec(step.description)?.[1];
        assert.ok(linked && all.includes(linked), `walkthrough step links ${linked}`);
        assert.ok(existsSync(join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, step.media.markdown)), `${step.media.markdown} is missing`);
      }
    });

    it('reads its settings with their defaults and the test-run overrides', () => {
      const c = vscode.workspace.getConfiguration('hydrapatch');
      assert.strictEqual(c.inspect('samples')?.defaultValue, 16);
      assert.strictEqual(c.inspect('sandbox')?.defaultValue, 'auto');
      assert.strictEqual(c.get('backend'), mode === 'bundled' ? 'bundled' : 'openai-compatible');
      const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } } };
      assert.strictEqual(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
      assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('hydrapatch.testCommand'));
    });

    if (mode === 'bundled') {
      it('starts the bundled server only when a run needs it, and solves with the demo model', async () => {
        const hp = await api();
        assert.strictEqual(hp.serverPid(), undefined, 'the server should not start before a run');
        const state = await solveAndWait(hp, 8);
        assert.strictEqual(state.phase, 'done', state.error?.message);
        assert.strictEqual(state.progress.sampled, 8);
        assert.ok(state.groups.length >= 1, 'the demo model writes applicable edits');
        assert.ok(hp.serverPid(), 'the server should keep running for the next run');
        assert.strictEqual(worktrees().length, 1, 'a worktree was left behind');
        assert.strictEqual(original(), unchanged, 'solving must not change the workspace');
      });

      it('restarts the server when it dies, and on "Restart Server"', async () => {
        const hp = await api();
        const first = hp.serverPid()!;
        process.kill(first, 'SIGKILL');
        await until('the server to come back', () => (hp.serverPid() ?? first) !== first, 180_000);
        const second = hp.serverPid()!;
        await vscode.commands.executeCommand('hydrapatch.restartServer');
        const third = hp.serverPid();
        assert.ok(third !== undefined && third !== second, 'Restart Server should start a new process');
        assert.throws(() => process.kill(second, 0), 'the replaced server should be gone');
      });
      return;
    }

    if (mode === 'untrusted') {
      it('samples and shows candidates but never runs a test in an untrusted folder', async () => {
        assert.strictEqual(vscode.workspace.isTrusted, false, 'the folder should open untrusted');
        const hp = await api();
        const state = await solveAndWait(hp, 8);
        assert.strictEqual(state.phase, 'done', state.error?.message);
        assert.ok(state.testsSkippedReason, 'the panel should say why tests did not run');
        assert.strictEqual(state.progress.tested, 0);
        assert.ok(state.groups.length >= 2, `expected candidate groups, got ${state.groups.length}`);
        assert.ok(state.groups.every((g) => g.verdict === 'untested' && g.sandbox === '' && Object.values(g.tests).every((t) => t === 'not-run')));
        assert.strictEqual(state.coverage, null, 'no coverage without tests');
        assert.strictEqual(original(), unchanged, 'the workspace changed');
        assert.strictEqual(worktrees().length, 1, 'a worktree was left behind');
      });
      return;
    }

    it('solves the fixture issue: the verified group ranks first and tests ran sandboxed', async () => {
      assert.strictEqual(vscode.workspace.isTrusted, true);
      const hp = await api();
      const state = await solveAndWait(hp, 8);
      assert.strictEqual(state.phase, 'done', state.error?.message);
      assert.strictEqual(state.progress.sampled, 8);
      const best = state.groups[0];
      assert.strictEqual(best.verdict, 'verified');
      assert.ok(best.size >= 2, `the right fix was sampled 3 times, group size ${best.size}`);
      assert.strictEqual(best.tests['add sums two numbers'], 'fixed');
      assert.ok(state.groups.some((g) => g.verdict === 'breaks'), 'the candidate that breaks mul should be its own group');
      assert.notStrictEqual(best.sandbox, '');
      assert.ok(state.coverage && state.coverage.c >= 1);
      assert.strictEqual(original(), unchanged, 'solving must not change the workspace');
      assert.strictEqual(worktrees().length, 1, 'a worktree was left behind');
    });

    it('refuses to apply when the file changed since the run, else applies the candidate to the file', async () => {
      const hp = await api();
      const best = hp.state()!.groups[0];
      const uri = vscode.Uri.file(join(folder(), 'src/math.js'));
      const doc = await vscode.workspace.openTextDocument(uri);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(uri, new vscode.Position(0, 0), '// local change\n');
      await vscode.workspace.applyEdit(edit);
      await vscode.commands.executeCommand('hydrapatch.applyCandidate', best.representative);
      assert.strictEqual(doc.getText().includes('return a + b;'), false, 'applied over a changed file');
      const revert = new vscode.WorkspaceEdit();
      revert.delete(uri, new vscode.Range(0, 0, 1, 0));
      await vscode.workspace.applyEdit(revert);
      await doc.save();
      assert.strictEqual(doc.getText(), unchanged);

      await vscode.commands.executeCommand('hydrapatch.applyCandidate', best.representative);
      assert.ok(readFileSync(uri.fsPath, 'utf8').includes('return a + b;'), 'the fix is not on disk');
      assert.ok(hp.state()!.groups[0].applied);
      // Back to the committed file for the next test (Undo is checked by the UI test, which can focus the editor).
      git('checkout', '--', 'src/math.js');
      await until('the editor to reload the file', () => doc.getText() === unchanged, 10_000);
    });

    it('a file edited during the run: the diff shows the tested version and Apply refuses, nothing combined', async () => {
      const hp = await api();
      const previousRun = hp.state()?.runId ?? 0;
      const file = join(folder(), 'src/math.js');
      const userEdit = `// typed during the run\n${unchanged}`;
      await vscode.commands.executeCommand('hydrapatch.solve', { issue: `${ISSUE} (slow)`, n: 8 });
      // The snapshot is taken before the first sample; the edit lands after it, before most candidates.
      await until('the first sample of the new run', () => (hp.state()?.runId ?? 0) > previousRun && hp.state()!.progress.sampled >= 1);
      writeFileSync(file, userEdit);
      await hp.idle();
      const state = hp.state()!;
      assert.strictEqual(state.phase, 'done', state.error?.message);
      const best = state.groups[0];
      assert.strictEqual(best.verdict, 'verified');
      const side = (s: string) => vscode.Uri.from({ scheme: 'hydrapatch', path: '/src/math.js', query: `run=${state.runId}&candidate=${best.representative}&side=${s}` });
      assert.strictEqual((await vscode.workspace.openTextDocument(side('before'))).getText(), unchanged, 'the diff\'s left side is not the version the candidate was tested on');
      assert.ok(!(await vscode.workspace.openTextDocument(side('after'))).getText().includes('typed during the run'), 'the candidate\'s side holds the user\'s edit');
      await vscode.commands.executeCommand('hydrapatch.applyCandidate', best.representative);
      assert.strictEqual(readFileSync(file, 'utf8'), userEdit, 'Apply combined the user\'s edit with the candidate');
      assert.strictEqual(hp.state()!.groups[0].applied, false);
      git('checkout', '--', 'src/math.js');
    });

    it('reads the issue from a GitHub issue URL through the user\'s gh', async () => {
      const hp = await api();
      // A gh that answers like GitHub's CLI for this issue, and records how it was called.
      const bin = mkdtempSync(join(tmpdir(), 'hp-gh-'));
      writeFileSync(join(bin, 'gh'), `#!/bin/sh\necho "$@" > '${bin}/args'\nprintf '%s\\n' '${JSON.stringify({ title: 'add() subtracts', body: ISSUE })}'\n`, { mode: 0o755 });
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        const state = await solveAndWait(hp, 8, 'https://github.com/example/math/issues/1');
        assert.strictEqual(state.phase, 'done', state.error?.message);
        assert.strictEqual(readFileSync(join(bin, 'args'), 'utf8').trim(), 'issue view https://github.com/example/math/issues/1 --json title,body');
        assert.strictEqual(state.groups[0].verdict, 'verified');
      } finally {
        process.env.PATH = path;
        rmSync(bin, { recursive: true, force: true });
      }
    });

    it('applies one file of a two-file candidate, leaving the other as it is', async () => {
      const hp = await api();
      const two = hp.state()!.groups.find((g) => g.files.includes('README.md'));
      assert.ok(two, 'the run should have the candidate that changes README.md and src/math.js');
      await vscode.commands.executeCommand('hydrapatch.applyCandidate', two.representative, 'README.md');
      assert.match(readFileSync(join(folder(), 'README.md'), 'utf8'), /their product/, 'README.md did not get the candidate\'s version');
      assert.strictEqual(original(), unchanged, 'src/math.js changed though only README.md was asked for');
      assert.strictEqual(hp.state()!.groups.find((g) => g.representative === two.representative)!.applied, false, 'half a candidate is not "applied"');
      git('checkout', '--', 'README.md');
    });

    it('cancel stops the model job and leaves no worktree and no change', async () => {
      const hp = await api();
      const statsBefore = await replayStats();
      const previousRun = hp.state()?.runId ?? 0;
      await vscode.commands.executeCommand('hydrapatch.solve', { issue: `${ISSUE} (slow)`, n: 64 });
      await until('some samples of the new run', () => {
        const s = hp.state();
        return s !== undefined && s.runId > previousRun && s.progress.sampled >= 2;
      }, 60_000);
      await vscode.commands.executeCommand('hydrapatch.cancel');
      await hp.idle();
      const state = hp.state()!;
      assert.strictEqual(state.phase, 'cancelled');
      assert.ok(state.progress.sampled < 64, `all ${state.progress.sampled} samples were drawn`);
      let statsAfter = await replayStats();
      for (let i = 0; i < 50 && statsAfter.abandoned <= statsBefore.abandoned; i++) {
        await new Promise((r) => setTimeout(r, 100));
        statsAfter = await replayStats();
      }
      assert.ok(statsAfter.abandoned > statsBefore.abandoned, 'the model endpoint never saw the job stop');
      assert.strictEqual(worktrees().length, 1, 'a worktree was left behind');
      assert.strictEqual(git('status', '--porcelain'), '', 'the workspace changed');
      assert.strictEqual(original(), unchanged);
    });
  });
}
