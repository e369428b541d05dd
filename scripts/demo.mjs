#!/usr/bin/env node
// `npm start`: Hydrapatch's main job on the bundled default, on a fresh machine. Installs what is
// missing, copies the example repository (examples/cart, a real bug with failing tests) into a new git
// repository in a temporary folder, and runs `hydrapatch solve` on its ISSUE.md with the bundled demo
// model (models/demo-bigram.gguf, a constructed bigram table, not a language model): 32 samples drawn
// through Hydragen, each candidate tested in its own worktree, then the ranked groups and the coverage.
// Extra arguments go to `hydrapatch solve` (e.g. `npm start -- -n 64 --json out.json`).
// `--repro`: the variant in examples/cart-repro, whose tests all pass on the buggy tree, with its
// hand-written reproduction-test samples played back (examples/cart-repro/README.md).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const setup = spawnSync(process.execPath, [join(root, 'scripts/setup.mjs')], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);

const repo = mkdtempSync(join(tmpdir(), 'hydrapatch-demo-'));
const repro = process.argv.includes('--repro');
const variant = join(root, 'examples/cart-repro');
cpSync(join(root, 'examples/cart'), repo, { recursive: true, filter: (src) => !src.includes('node_modules') });
if (repro) {
  cpSync(join(variant, 'test/cart.test.js'), join(repo, 'test/cart.test.js'));
  cpSync(join(variant, 'ISSUE.md'), join(repo, 'ISSUE.md'));
}
const git = (...args) => {
  const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
};
git('init', '-q', '-b', 'main');
git('add', '-A');
git('-c', 'user.name=Hydrapatch demo', '-c', 'user.email=demo@hydrapatch.invalid', 'commit', '-q', '-m', 'Example repository with a bug');

process.stderr.write(`\nExample repository: ${repo}\nIssue: ${join(repo, 'ISSUE.md')}\n\n`);
const args = [
  join(root, 'bin/hydrapatch.js'), 'solve',
  '--repo', repo,
  '--issue', join(repo, 'ISSUE.md'),
  '-n', '32',
  '--model', join(root, 'models/demo-bigram.gguf'),
  '--test', 'npm test',
  // The demo model's probabilities are stated at temperature 1 (models/README.md).
  '--temperature', '1',
  '--seed', '1',
  ...(repro ? ['--tests-from-samples', join(variant, 'tests.jsonl')] : []),
  ...process.argv.slice(2).filter((a) => a !== '--repro'),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
if (!process.env.HYDRAPATCH_KEEP_DEMO) rmSync(repo, { recursive: true, force: true });
process.exit(r.status ?? 1);
