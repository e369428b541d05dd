// The CLI on a set-up that cannot run and on usage mistakes: a clear message and its own exit code,
// before any sample is drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepo } from '../../helpers/gitRepo';

const cliMain = join(__dirname, '../../../src/cli/main.ts');

function cli(args: string[], input = 'add() subtracts') {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, ['--import', 'tsx', cliMain, ...args], { encoding: 'utf8', input, env, timeout: 120_000 });
}

test('a test command that cannot run: exit 3, the output quoted, nothing sampled', () => {
  const repo = makeRepo({ 'lib.js': 'exports.add = (a, b) => a - b;\n', 'package.json': '{"scripts":{"test":"pnpm-not-installed-here run unit"}}\n' });
  const dir = mkdtempSync(join(tmpdir(), 'hp-cli-setup-'));
  try {
    const samples = join(dir, 's.jsonl');
    writeFileSync(samples, JSON.stringify({ text: 'lib.js\n<<<<<<< SEARCH\nexports.add = (a, b) => a - b;\n=======\nexports.add = (a, b) => a + b;\n>>>>>>> REPLACE\n' }) + '\n');
    const r = cli(['solve', '--repo', repo.dir, '--issue', '-', '--from-samples', samples, '--test', 'npm test', '--sandbox', 'auto', '--yes-run-unsandboxed']);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /the tests cannot run on the unmodified tree: "pnpm-not-installed-here" is not installed/);
    assert.match(r.stderr, /pnpm-not-installed-here: not found/, 'the output is quoted');
    assert.match(r.stderr, /hint: Install/);
    assert.doesNotMatch(r.stderr, /^sampling/m, 'no sample was drawn');
  } finally {
    repo.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('solve --help, --keep without its number, a folder that does not exist', () => {
  const help = cli(['solve', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: hydrapatch solve/);
  assert.match(help.stdout, /--allow-test-edits/);
  const keep = cli(['solve', '--issue', '-', '--from-samples', 'x.jsonl', '--keep', '--json', 'out.json']);
  assert.equal(keep.status, 2);
  assert.match(keep.stderr, /--keep needs a value: how many of the best groups' worktrees to keep, e\.g\. --keep 1/);
  const missing = cli(['solve', '--repo', '/no/such/folder-hp', '--issue', '-', '--from-samples', 'x.jsonl']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /the folder \/no\/such\/folder-hp does not exist/);
});
