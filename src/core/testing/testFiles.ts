// Which of a candidate's changes touch the user's tests. The tests are the judge, so a candidate may
// not change them: as SWE-bench applies the test patch after the model's patch, every test file is
// put back to the user's version before the candidate's tests run. In files that mix test settings
// with other things (package.json, pyproject.toml, setup.cfg, tox.ini) only the part that decides how
// the tests run is put back, so a candidate may still change dependencies there.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileChange } from '../edits/editTypes';

/** Folders whose files are tests (or test data) wherever they are. */
const testFolders = new Set(['test', 'tests', '__tests__', 'testdata', 'spec', 'specs']);

/** File names that are tests or test configuration. */
const testFileNames = [
  /_test\.[^/]+$/, /_spec\.rb$/, /^test[_-][^/]*\.(py|[cm]?[jt]sx?)$/, /^test\.[cm]?[jt]s$/, /\.(test|spec)\.[^/]+$/, /^conftest\.py$/, /^pytest\.ini$/,
  /^(jest|vitest|vitest\.workspace|ava|karma|playwright|cypress)\.config\.[^/]+$/, /^\.mocharc(\.[^/]+)?$/, /^jest\.setup\.[^/]+$/,
];

/** Sections of INI/TOML files that configure pytest. */
const pytestSections = /^\[(tool\.pytest(\.[^\]]*)?|tool:pytest|pytest)\]$/;

/** package.json keys that configure a test runner. */
const runnerKeys = ['jest', 'mocha', 'ava', 'c8', 'nyc'];

export interface TestFileGuard {
  /** True when the whole file belongs to the tests. */
  isTestFile(path: string): boolean;
  /** The change with its test part put back to the user's version; null when nothing of it is left. */
  strip(change: FileChange): FileChange | null;
}

/** Script names `command` runs through a package manager (`npm test`, `pnpm run test:unit`, `yarn unit`). */
function scriptNames(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/\b(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+|--\S+\s+)*([\w:.-]+)/g)) {
    const name = m[1] === 't' || m[1] === 'tst' ? 'test' : m[1];
    if (!['install', 'ci', 'exec', 'x', 'dlx'].includes(name)) out.push(name);
  }
  return out;
}

/** The scripts a test run goes through: the named ones, their pre/post hooks, and scripts they run in turn. */
function testScripts(command: string, scripts: Record<string, unknown>): Set<string> {
  const seen = new Set<string>();
  const queue = scriptNames(command);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const hook of [`pre${name}`, `post${name}`]) if (hook in scripts) seen.add(hook);
    const body = scripts[name];
    if (typeof body === 'string') queue.push(...scriptNames(body));
  }
  return seen;
}

/** Programs that run the file named next: `sh test.sh`, `node scripts/test.mjs`, `python run_tests.py`. */
const interpreters = /^(sh|bash|zsh|dash|node|python\d?(\.\d+)?|ruby|perl|deno|bun|tsx|ts-node|make|npx)$/;

/**
 * Files of the repository that the command lines run: the first word of a command (`./test.sh`) and
 * the word after an interpreter. Other words (a file grep reads, a source folder given to pytest) are
 * not the test script.
 */
async function namedPaths(root: string, lines: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const line of lines) {
    for (const command of line.split(/&&|\|\||[;|&()]/)) {
      const words = command.trim().split(/\s+/).filter((w) => !/^\w+=/.test(w));
      const runs = [words[0], ...words.slice(1).filter((_, i) => interpreters.test(words[i]))];
      for (const word of runs) {
        const p = (word ?? '').replace(/^["']|["']$/g, '').replace(/^\.\//, '').replace(/\/+$/, '');
        if (p === '' || p.startsWith('-') || p.startsWith('/') || p.includes('..') || !/[./]/.test(p)) continue;
        if (await stat(join(root, p)).then((st) => st.isFile(), () => false)) out.push(p);
      }
    }
  }
  return out;
}

function parseJson(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `after` with the test scripts and runner settings of `before`; unchanged text when they already agree. */
function restorePackageJson(before: string, after: string, scripts: Set<string>): string {
  const old = parseJson(before);
  const now = parseJson(after);
  if (!old || !now) return after;
  const oldScripts = (old.scripts ?? {}) as Record<string, unknown>;
  const nowScripts = { ...((now.scripts ?? {}) as Record<string, unknown>) };
  let changed = false;
  const put = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (JSON.stringify(target[key]) === JSON.stringify(value)) return;
    changed = true;
    if (value === undefined) delete target[key];
    else target[key] = value;
  };
  for (const name of scripts) put(nowScripts, name, oldScripts[name]);
  const result: Record<string, unknown> = { ...now };
  for (const key of runnerKeys) put(result, key, old[key]);
  if (!changed) return after;
  if (Object.keys(nowScripts).length > 0 || 'scripts' in now) result.scripts = nowScripts;
  const indent = /^[ \t]+/m.exec(after)?.[0] ?? '  ';
  return JSON.stringify(result, null, indent) + (after.endsWith('\n') ? '\n' : '');
}

/** INI/TOML text split at its section headers; the text before the first header has header ''. */
function sections(text: string): { header: string; text: string }[] {
  const out: { header: string; text: string }[] = [{ header: '', text: '' }];
  for (const line of text.split(/(?<=\n)/)) {
    const h = /^\s*(\[[^\]\n]*\])\s*$/.exec(line);
    if (h) out.push({ header: h[1].replace(/\s+/g, ''), text: line });
    else out[out.length - 1].text += line;
  }
  return out;
}

/** `after` with every pytest section as it is in `before` (added, removed or changed ones put back). */
function restorePytestSections(before: string, after: string): string {
  const old = sections(before).filter((s) => pytestSections.test(s.header));
  const now = sections(after);
  const same = (a: typeof old, b: typeof old) => a.length === b.length && a.every((s, i) => s.header === b[i].header && s.text === b[i].text);
  if (same(old, now.filter((s) => pytestSections.test(s.header)))) return after;
  const kept = now.filter((s) => !pytestSections.test(s.header));
  let text = kept.map((s) => s.text).join('');
  for (const s of old) text += (text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n') + s.text;
  return text;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A test file by its path alone (repository-relative, `/`-separated): in a test folder, or named as one. */
export function isTestFilePath(path: string): boolean {
  if (path.split('/').slice(0, -1).some((p) => testFolders.has(p))) return true;
  return testFileNames.some((re) => re.test(baseName(path)));
}

/** The guard for a repository and test command: the user's test files, found from its tree and package.json. */
export async function testFileGuard(root: string, testCommand: string): Promise<TestFileGuard> {
  const pkg = parseJson(await readFile(join(root, 'package.json'), 'utf8').catch(() => null));
  const allScripts = (pkg?.scripts ?? {}) as Record<string, unknown>;
  const scripts = testScripts(testCommand, allScripts);
  const scriptLines = [...scripts].map((s) => allScripts[s]).filter((s): s is string => typeof s === 'string');
  const named = await namedPaths(root, [testCommand, ...scriptLines]);

  const isTestFile = (path: string): boolean => {
    if (isTestFilePath(path)) return true;
    return named.some((n) => path === n || path.startsWith(`${n}/`));
  };
  const strip = (change: FileChange): FileChange | null => {
    if (isTestFile(change.path)) return null;
    if (change.before === null || change.after === null) return change;
    const name = baseName(change.path);
    let after = change.after;
    if (name === 'package.json') after = restorePackageJson(change.before, after, scripts.size > 0 ? scripts : new Set(['test', 'pretest', 'posttest']));
    else if (['pyproject.toml', 'setup.cfg', 'tox.ini'].includes(name)) after = restorePytestSections(change.before, after);
    if (after === change.after) return change;
    return after === change.before ? null : { ...change, after };
  };
  return { isTestFile, strip };
}

/** Splits changes into what the candidate may change and the test files it touched (paths). */
export function separateTestEdits(changes: FileChange[], guard: TestFileGuard): { kept: FileChange[]; testFiles: string[] } {
  const kept: FileChange[] = [];
  const testFiles: string[] = [];
  for (const c of changes) {
    const stripped = guard.strip(c);
    if (stripped !== c) testFiles.push(c.path);
    if (stripped) kept.push(stripped);
  }
  return { kept, testFiles };
}
