import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, git, makeRepo, userState, writeFiles } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { defaultSampleParams } from '../../../src/protocol/sampling';

const bug = 'exports.add = (a, b) => a - b;';
const sr = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const fix = (extra: string) => sr('lib.js', bug, `exports.add = (a, b) => a + b;\n${extra}`);

/** Live processes whose command line is exactly `argv` (read from /proc, independent of the runner). */
function processesWithArgv(argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1') === want && !/\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }).map(Number);
}

test('hostile candidates are refused or contained, and nothing outside the worktrees changes', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'hp-outside-'));
  writeFiles(outside, { 'keep.txt': 'untouched\n' });
  const repo = makeRepo({
    'lib.js': `${bug}\nexports.mul = (a, b) => a * b;\n`,
    'lib.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add, mul } = require('./lib');\ntest('add', () => assert.equal(add(2, 3), 5));\ntest('mul', () => assert.equal(mul(2, 3), 6));\n",
  });
  symlinkSync(outside, join(repo.dir, 'escape'));
  git(repo.dir, 'add', 'escape');
  git(repo.dir, 'commit', '-q', '-m', 'a symlink out of the repository');
  const sleepMarker = `${4000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
  const userGitDir = JSON.stringify(join(repo.dir, '.git'));
  const samples = [
    // Its test points the worktree's .git file at the user's repository: the next reset must not follow it.
    { text: fix(`require('node:fs').rmSync(__dirname + '/.git', { force: true }); require('node:fs').writeFileSync(__dirname + '/.git', 'gitdir: ' + ${userGitDir} + '\\n');`), apply: 'clean', verdict: 'verified' },
    { text: sr('../outside.txt', '', 'pwned'), apply: 'refused' },
    { text: sr(join(outside, 'abs.txt'), '', 'pwned'), apply: 'refused' },
    { text: sr('.git/config', '', '[core]\n\tfsmonitor = touch /tmp/pwned'), apply: 'refused' },
    { text: sr('escape/pwned.txt', '', 'pwned'), apply: 'refused' },
    { text: sr('lib.js', bug, 'x'.repeat(50 * 1024 * 1024)), apply: 'refused' },
    { text: sr('lib.js', bug, 'exports.add = (a, b) => a + b; // \u0000\u0001\u0002'), apply: 'refused' },
    { text: fix('while (true) {}'), apply: 'clean', verdict: 'error', timedOut: true },
    { text: fix(`require('node:child_process').spawn('sleep', ['${sleepMarker}'], { detached: true, stdio: 'ignore' }).unref();`), apply: 'clean', verdict: 'verified' },
    { text: fix("for (let i = 0; i < 1024; i++) process.stdout.write('x'.repeat(1 << 20));"), apply: 'clean', verdict: 'error', capped: true },
  ];
  try {
    const userBefore = userState(repo.dir);
    const outsideBefore = fingerprint(outside);
    const started = Date.now();
    const result = await solve(
      {
        repoDir: repo.dir,
        issueText: 'add() subtracts',
        n: samples.length,
        testCommand: 'node --test --test-reporter=tap',
        source: new FromSamplesSource(samples.map((s) => s.text)),
        sampleParams: defaultSampleParams,
        parallelTests: 2,
        testTimeoutMs: 4000,
        outputCapBytes: 1 << 20,
        // The runner's own containment (process group, tags, cap, limit), without bubblewrap's help.
        sandbox: 'off',
        allowUnsandboxed: async () => true,
        contextBudgetTokens: 2000,
      },
      {},
      new AbortController().signal,
    );
    for (const [i, s] of samples.entries()) {
      const c = result.candidates[i];
      assert.equal(c.apply.status, s.apply, `sample ${i}: ${c.apply.reason}`);
      if (s.verdict) assert.equal(c.verdict, s.verdict, `sample ${i}`);
      if (s.timedOut) assert.equal(c.test?.timedOut, true);
      if (s.capped) assert.equal(c.test?.outputCapped, true);
    }
    assert.match(result.candidates[5].apply.reason ?? '', /over the limit/);
    assert.match(result.candidates[6].apply.reason ?? '', /NUL|binary/);
    assert.ok(Date.now() - started < 60_000);
    assert.deepEqual(processesWithArgv(['sleep', sleepMarker]), [], 'the forked child was killed');
    assert.deepEqual(fingerprint(outside), outsideBefore);
    assert.deepEqual(userState(repo.dir), userBefore);
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  } finally {
    rmSync(outside, { recursive: true, force: true });
    repo.cleanup();
  }
});
