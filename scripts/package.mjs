#!/usr/bin/env node
// `npm run package`: bundles everything (scripts/build.mjs), copies the runtime packages the bundles
// leave external (webgpu with its dawn.node for linux-x64, darwin-universal and win32-x64;
// @huggingface/tokenizers) under dist/node_modules where dist/server.js resolves them, and packs
// hydrapatch-<version>.vsix with vsce --no-dependencies. .vscodeignore keeps sources and tests out.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${pkg.name}-${pkg.version}.vsix`);
const runtime = join(root, 'dist', 'node_modules');

const platforms = ['linux-x64', 'darwin-universal', 'win32-x64'];
const shipped = {
  webgpu: ['package.json', 'index.js', 'LICENSE.md', ...platforms.map((p) => `dist/${p}`)],
  '@huggingface/tokenizers': ['.'],
};

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
rmSync(runtime, { recursive: true, force: true });
for (const [name, parts] of Object.entries(shipped)) {
  for (const part of parts) {
    const from = join(root, 'node_modules', name, part);
    if (!statSync(from, { throwIfNoEntry: false })) throw new Error(`${from} is missing: run npm install first`);
    cpSync(from, join(runtime, name, part), { recursive: true, dereference: true });
  }
}
mkdirSync(join(root, 'dist', 'media'), { recursive: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
  { cwd: root, stdio: 'inherit' },
);
console.log(out);
