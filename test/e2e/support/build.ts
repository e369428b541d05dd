// What the end-to-end runs load: the bundles of scripts/build.mjs, the packaged .vsix
// (scripts/package.mjs), and the in-host mocha suite bundled to out/e2e/hostSuite.js.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './codeServer';

export function buildBundles(): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
}

/** Returns the .vsix path (the last line scripts/package.mjs prints). */
export function packageVsix(): string {
  const out = execFileSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs')], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

export async function buildHostSuite(): Promise<string> {
  const outfile = join(repoRoot, 'out', 'e2e', 'hostSuite.js');
  await build({
    entryPoints: [join(repoRoot, 'test', 'e2e', 'host', 'hostSuite.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    // mocha from the repository's node_modules, so hostSuite.ts and hostTests.ts share one instance.
    external: ['vscode', 'mocha'],
  });
  return outfile;
}
