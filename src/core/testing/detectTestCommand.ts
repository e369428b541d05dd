// The test command when the user gave none, from the files that announce a project's test tool.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';

async function exists(root: string, name: string): Promise<boolean> {
  return readFile(join(root, name)).then(() => true, () => false);
}

async function hasPythonTests(root: string): Promise<boolean> {
  const names = await readdir(root).catch(() => [] as string[]);
  if (names.some((n) => /^test.*\.py$|.*_test\.py$/.test(n))) return true;
  const testDir = names.find((n) => n === 'tests' || n === 'test');
  if (!testDir) return false;
  const inner = await readdir(join(root, testDir)).catch(() => [] as string[]);
  return inner.some((n) => n.endsWith('.py'));
}

export async function detectTestCommand(root: string): Promise<string> {
  const pkg = await readFile(join(root, 'package.json'), 'utf8').catch(() => null);
  if (pkg !== null) {
    let scripts: Record<string, unknown> = {};
    try {
      scripts = (JSON.parse(pkg) as { scripts?: Record<string, unknown> }).scripts ?? {};
    } catch {
      // an unreadable package.json says nothing about tests
    }
    const test = scripts.test;
    if (typeof test === 'string' && !/no test specified/.test(test)) return 'npm test --silent';
  }
  const pyproject = await readFile(join(root, 'pyproject.toml'), 'utf8').catch(() => '');
  const setupCfg = await readFile(join(root, 'setup.cfg'), 'utf8').catch(() => '');
  if ((await exists(root, 'pytest.ini')) || (await exists(root, 'conftest.py')) || pyproject.includes('[tool.pytest') || setupCfg.includes('[tool:pytest]')) {
    return 'python3 -m pytest -rA -v';
  }
  if (await exists(root, 'go.mod')) return 'go test -v ./...';
  if (await exists(root, 'Cargo.toml')) return 'cargo test';
  if (await hasPythonTests(root)) return 'python3 -m unittest -v';
  throw new HydrapatchError('no-test-command', `could not tell how to run the tests in ${root}.`, 'Pass the test command, e.g. --test "npm test" or --test "python3 -m pytest".');
}
