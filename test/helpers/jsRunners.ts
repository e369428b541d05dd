// jest, vitest, mocha and ava, installed once from the npm registry into the repository's git-ignored
// `.cache/runners/<versions>/` and reused by every later run (and by CI, which keeps .cache between
// steps of one job). A test project links its node_modules to the returned folder, as a user's
// project has its own installed runner.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const runnerVersions = { jest: '29.7.0', vitest: '3.2.4', mocha: '11.7.1', ava: '6.4.1' } as const;

const repoRoot = join(__dirname, '..', '..');
const cacheDir = join(repoRoot, '.cache', 'runners', Object.entries(runnerVersions).map(([n, v]) => `${n}-${v}`).join('_'));

let installing: Promise<string> | undefined;

async function install(): Promise<string> {
  const modules = join(cacheDir, 'node_modules');
  if (existsSync(join(cacheDir, 'installed'))) return modules;
  // Installed beside the final folder and moved into place, so a run killed halfway leaves nothing half-made.
  const scratch = `${cacheDir}.tmp-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'hydrapatch-test-runners', private: true, dependencies: runnerVersions }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts=false', '--loglevel=error'], { cwd: scratch, timeout: 600_000 });
  await writeFile(join(scratch, 'installed'), new Date().toISOString());
  await rename(scratch, cacheDir).catch(async (err: NodeJS.ErrnoException) => {
    // Another test process finished first: its copy is as good.
    await rm(scratch, { recursive: true, force: true });
    if (!existsSync(join(cacheDir, 'installed'))) throw err;
  });
  return modules;
}

/** The node_modules folder holding the pinned runners (and their .bin). */
export function jsRunners(): Promise<string> {
  installing ??= install();
  return installing;
}
