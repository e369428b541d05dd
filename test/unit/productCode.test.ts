// Product folders hold product code only: every module under src/, server/src/ and media/ that has
// code at run time is part of a shipped bundle (the entry points of scripts/build.mjs). A module only
// tests, benchmarks or scripts import is test-only code in the product's path: it belongs beside its
// users (test/helpers/reference/, scripts/lib/, bench/), docs/architecture.md. Type-only modules are
// erased by the bundler and have no code to ship, so they are exempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, transformSync } from 'esbuild';

const root = join(__dirname, '..', '..');
const productFolders = ['src', 'server/src', 'media'];

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The TypeScript entry points scripts/build.mjs bundles, read from the script itself. */
function entryPoints(): string[] {
  const script = readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8');
  return [...script.matchAll(/entryPoints:\s*\[\s*'([^']+\.ts)'\s*\]/g)].map((m) => m[1]);
}

/** Whether the module keeps any code once its types are erased (an import kept for its effects counts). */
function hasRuntimeCode(file: string): boolean {
  const js = transformSync(readFileSync(join(root, file), 'utf8'), { loader: 'ts', format: 'esm' }).code;
  return js.replace(/^export \{\s*\};?$/m, '').trim() !== '';
}

test('every product module with runtime code is reached from a shipped bundle', async () => {
  const entries = entryPoints();
  assert.ok(entries.includes('server/src/main.ts') && entries.includes('src/extension/extension.ts'), `entry points read from scripts/build.mjs: ${entries.join(', ')}`);
  const { metafile } = await build({
    absWorkingDir: root, entryPoints: entries, bundle: true, write: false, metafile: true, outdir: 'out/reach',
    platform: 'node', packages: 'external', logLevel: 'silent',
  });
  const bundled = new Set(Object.keys(metafile.inputs).map((p) => relative(root, join(root, p))));
  const unreached = productFolders.flatMap(tsFiles).filter((f) => !bundled.has(f) && hasRuntimeCode(f));
  assert.deepEqual(unreached, [], 'only tests, benchmarks or scripts use these: move them beside their users (test/helpers/, scripts/lib/, bench/) or delete them');
});
