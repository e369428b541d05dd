import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, makeRepo } from '../../helpers/gitRepo';
import { runsBase } from '../../../src/core/worktree/runDir';
import { taggedProcesses } from '../../../src/core/testing/killTree';

// The sources, not bin/hydrapatch.js: that runs dist/cli.js when a build exists, which may be stale.
const cliMain = join(__dirname, '../../../src/cli/main.ts');
const bug = 'exports.add = (a, b) => a - b;';

function runCli(args: string[]) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawn(process.execPath, ['--import', 'tsx', cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function until<T>(probe: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a solve killed with SIGKILL leaves worktrees and a running test; the next solve kills the test and removes them', async () => {
  const repo = makeRepo({
    'lib.js': `${bug}\n`,
    'lib.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./lib');\ntest('add', () => assert.equal(add(2, 3), 5));\n",
  });
  const dir = mkdtempSync(join(tmpdir(), 'hp-crash-'));
  try {
    // The candidate marks that its test started, then hangs far beyond the test's lifetime.
    const hang = `lib.js\n<<<<<<< SEARCH\n${bug}\n=======\nexports.add = (a, b) => a + b;\nrequire('node:fs').writeFileSync(__dirname + '/started', '');\nwhile (true) {}\n>>>>>>> REPLACE\n`;
    writeFileSync(join(dir, 'hang.jsonl'), JSON.stringify({ text: hang }) + '\n');
    writeFileSync(join(dir, 'prose.jsonl'), JSON.stringify({ text: 'no idea' }) + '\n');
    writeFileSync(join(dir, 'issue.txt'), 'add subtracts');
    const common = ['--repo', repo.dir, '--issue', join(dir, 'issue.txt'), '--test', 'node --test --test-reporter=tap', '--sandbox', 'off', '--yes-run-unsandboxed'];

    const first = runCli(['solve', ...common, '--from-samples', join(dir, 'hang.jsonl'), '--timeout', '600']);
    const base = runsBase(repo.dir);
    const runDir = await until(() => {
      const run = existsSync(base) ? readdirSync(base).find((d) => d.startsWith('run-')) : undefined;
      if (!run) return undefined;
      const wts = readdirSync(join(base, run)).filter((d) => d.startsWith('wt-'));
      return wts.some((wt) => existsSync(join(base, run, wt, 'started'))) ? join(base, run) : undefined;
    }, 60_000);
    const tags = readdirSync(runDir).filter((f) => f.startsWith('tests-')).map((f) => readFileSync(join(runDir, f), 'utf8'));
    // The hanging candidate's run, and maybe the baseline's if it is still going.
    assert.ok(tags.length >= 1, 'the running tests are recorded');
    first.kill('SIGKILL');
    await once(first, 'exit');
    assert.ok(tags.some((t) => taggedProcesses(t).length > 0), 'the hanging test outlived the killed solve');
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 3, 'baseline and candidate worktrees left behind');

    const second = runCli(['solve', ...common, '--from-samples', join(dir, 'prose.jsonl')]);
    const [code] = await once(second, 'exit');
    assert.equal(code, 1);
    assert.deepEqual(tags.flatMap((t) => taggedProcesses(t)), [], 'the next solve killed the orphaned tests');
    assert.equal(existsSync(runDir), false);
    assert.equal(git(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(runsBase(repo.dir), { recursive: true, force: true });
    repo.cleanup();
  }
});
