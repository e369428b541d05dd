// The test command when the user gave none, chosen as the user would run the tests: pytest from the
// project's own environment when pytest is importable there, the package manager the lock file names
// (or the runner in node_modules/.bin when that manager is not installed), go test, cargo test.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';

export interface DetectedCommand {
  command: string;
  /** Why this command, for the user to check ("pnpm-lock.yaml names pnpm"). */
  reason: string;
}

async function exists(root: string, name: string): Promise<boolean> {
  return access(join(root, name)).then(() => true, () => false);
}

async function onPath(name: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await access(join(dir, name), constants.X_OK).then(() => true, () => false))) return true;
  }
  return false;
}

/** True when `python` (a path relative to root, or a name on PATH) can import pytest. */
function importsPytest(root: string, python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import pytest'], { cwd: root, timeout: 30_000 }, (err) => resolve(!err));
  });
}

async function hasPythonTests(root: string): Promise<boolean> {
  const names = await readdir(root).catch(() => [] as string[]);
  if (names.some((n) => /^test_.*\.py$|.*_test\.py$/.test(n))) return true;
  for (const dir of names.filter((n) => n === 'tests' || n === 'test')) {
    const inner = await readdir(join(root, dir)).catch(() => [] as string[]);
    if (inner.some((n) => n.endsWith('.py'))) return true;
  }
  return false;
}

const lockFiles: [string, string][] = [['pnpm-lock.yaml', 'pnpm'], ['yarn.lock', 'yarn'], ['bun.lockb', 'bun'], ['bun.lock', 'bun'], ['package-lock.json', 'npm']];

async function nodeCommand(root: string, script: string): Promise<DetectedCommand> {
  let manager = 'npm';
  let why = 'package.json has a test script';
  for (const [file, pm] of lockFiles) {
    if (await exists(root, file)) {
      manager = pm;
      why = `${file} names ${pm}`;
      break;
    }
  }
  if (await onPath(manager)) return { command: manager === 'npm' ? 'npm test --silent' : `${manager} test`, reason: why };
  // The manager is not installed: the script's runner straight from node_modules/.bin, when the script is one plain command.
  const [bin, ...rest] = script.trim().split(/\s+/);
  if (!/[;&|<>`$()]/.test(script) && bin && (await exists(root, join('node_modules', '.bin', bin)))) {
    return { command: [`node_modules/.bin/${bin}`, ...rest].join(' '), reason: `${why}, which is not installed; the test script's runner from node_modules/.bin` };
  }
  if (await onPath('npm')) return { command: 'npm test --silent', reason: `${why}, which is not installed; npm runs the test script` };
  return { command: `${manager} test`, reason: `${why} (not installed)` };
}

async function pythonCommand(root: string, why: string): Promise<DetectedCommand | null> {
  const envs: [string, string][] = [];
  if (process.env.VIRTUAL_ENV) envs.push([join(process.env.VIRTUAL_ENV, 'bin', 'python'), '$VIRTUAL_ENV']);
  for (const dir of ['.venv', 'venv']) if (await exists(root, join(dir, 'bin', 'python'))) envs.push([`${dir}/bin/python`, dir]);
  for (const [python, where] of envs) {
    if (await importsPytest(root, python)) return { command: `${python} -m pytest -rA`, reason: `${why}; pytest is installed in ${where}` };
  }
  for (const [lock, tool] of [['uv.lock', 'uv'], ['poetry.lock', 'poetry']]) {
    if ((await exists(root, lock)) && (await onPath(tool))) return { command: `${tool} run pytest -rA`, reason: `${why}; ${lock} names ${tool}` };
  }
  if (envs.length === 0 && (await importsPytest(root, 'python3'))) return { command: 'python3 -m pytest -rA', reason: `${why}; pytest is installed for python3` };
  return null;
}

export async function detectTestCommand(root: string): Promise<DetectedCommand> {
  const pkg = await readFile(join(root, 'package.json'), 'utf8').catch(() => null);
  if (pkg !== null) {
    let scripts: Record<string, unknown> = {};
    try {
      scripts = (JSON.parse(pkg) as { scripts?: Record<string, unknown> }).scripts ?? {};
    } catch {
      // an unreadable package.json says nothing about tests
    }
    const test = scripts.test;
    if (typeof test === 'string' && !/no test specified/.test(test)) return nodeCommand(root, test);
  }
  const pyproject = await readFile(join(root, 'pyproject.toml'), 'utf8').catch(() => '');
  const setupCfg = await readFile(join(root, 'setup.cfg'), 'utf8').catch(() => '');
  const pytestConfig = (await exists(root, 'pytest.ini')) || (await exists(root, 'conftest.py')) || pyproject.includes('[tool.pytest') || setupCfg.includes('[tool:pytest]');
  const pyTests = await hasPythonTests(root);
  if (pytestConfig || pyTests) {
    const py = await pythonCommand(root, pytestConfig ? 'the project configures pytest' : 'the project has test_*.py files');
    if (py) return py;
  }
  if (await exists(root, 'go.mod')) return { command: 'go test ./...', reason: 'go.mod' };
  if (await exists(root, 'Cargo.toml')) return { command: 'cargo test', reason: 'Cargo.toml' };
  if (pytestConfig) {
    throw new HydrapatchError('no_test_command', `the project in ${root} configures pytest, but pytest is not importable from its environment (.venv, venv, $VIRTUAL_ENV, python3).`, 'Install pytest into the project\'s environment, or pass the test command, e.g. --test ".venv/bin/python -m pytest".');
  }
  if (pyTests) return { command: 'python3 -m unittest -v', reason: 'test_*.py files and no pytest installed: unittest discovery' };
  throw new HydrapatchError('no_test_command', `could not tell how to run the tests in ${root}.`, 'Pass the test command, e.g. --test "npm test" or --test "python3 -m pytest".');
}
