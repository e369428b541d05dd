#!/usr/bin/env node
// The README's test command: every *.test.ts under test/ (or the folders given), run by node's own
// test runner with TypeScript loaded through tsx. Exits non-zero when any test fails.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
// --electron also runs the e2e suite in VS Code desktop, which downloads VS Code (test/e2e/electron.test.ts).
const electron = process.argv.includes('--electron');
if (electron) process.env.HYDRAPATCH_E2E_ELECTRON = '1';
const args = process.argv.slice(2).filter((a) => a !== '--electron');
const dirs = args.length ? args : ['test/unit', 'test/integration', 'test/e2e'];

function collect(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = [];
for (const d of dirs) {
  const p = join(root, d);
  if (statSync(p, { throwIfNoEntry: false })?.isFile()) files.push(d);
  else collect(p, files);
}
if (files.length === 0) {
  console.error(`no test files under ${dirs.join(', ')}`);
  process.exit(1);
}
process.env.XDG_RUNTIME_DIR ??= '/tmp';
// Set-up first (quick when already done), so that `npm test` works on a fresh clone too.
const setup = spawnSync(process.execPath, [join(root, 'scripts/setup.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);
// The whole suite also type-checks and lints, so a wrong import between layers (docs/architecture.md)
// fails the build as a test would; a run of named files skips both.
if (args.length === 0) {
  for (const [what, bin, binArgs] of [
    ['type-check', 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit']],
    ['lint', 'node_modules/eslint/bin/eslint.js', ['.']],
  ]) {
    const c = spawnSync(process.execPath, [join(root, bin), ...binArgs], { cwd: root, stdio: 'inherit' });
    if (c.status !== 0) {
      console.error(`${what} failed: fix the errors above (npm run ${what === 'lint' ? 'lint' : 'typecheck'}).`);
      process.exit(c.status ?? 1);
    }
  }
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
process.exit(r.status ?? 1);
