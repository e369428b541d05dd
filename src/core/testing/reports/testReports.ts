// Machine-readable reports Hydrapatch asks the test runner for, whatever flags the user typed: set up
// before a run (environment variables and, for go, one flag), read after it. Reports are written into
// a folder outside the worktree that is emptied before every run, so neither the candidate's tree nor
// an earlier run can leave one behind. A run whose runner wrote no report is read from its output.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestCaseResult, TestFormat } from '../types';
import { parseGoJson } from '../parse/goJson';
import { parseJestJson } from '../parse/jestJson';
import { parseJunit } from '../parse/junit';
import { reportHookSource } from './reportHook';

export interface ReportSetup {
  command: string;
  env: Record<string, string>;
}

const hookName = 'hydrapatch-report-hook.cjs';

/** A word for a space-separated option list (NODE_OPTIONS, PYTEST_ADDOPTS), quoted when it must be. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

function appendOption(existing: string | undefined, added: string): string {
  return existing && existing.trim() !== '' ? `${existing} ${added}` : added;
}

/** `go test` prints one JSON event per line with -json; added where the user did not ask for it. */
function withGoJson(command: string): string {
  return command.replace(/(^|[;&|(]\s*|\s)go\s+test\b(?![^;&|]*\s-json\b)/g, '$1go test -json');
}

/** Empties `dir` and returns the command and environment that make the runners report into it. */
export async function prepareReports(dir: string, command: string, env: NodeJS.ProcessEnv): Promise<ReportSetup> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const hook = join(dir, hookName);
  await writeFile(hook, reportHookSource);
  return {
    command: withGoJson(command),
    env: {
      HYDRAPATCH_REPORT_DIR: dir,
      NODE_OPTIONS: appendOption(env.NODE_OPTIONS, `--require ${quote(hook)}`),
      // The cache plugin is off so that --lf/--ff and friends see no state a candidate's run left;
      // xunit1 puts each case's file in the report, so cases get the node ids pytest prints.
      PYTEST_ADDOPTS: appendOption(env.PYTEST_ADDOPTS, `--junitxml=${quote(join(dir, 'pytest.xml'))} -o junit_family=xunit1 -p no:cacheprovider`),
    },
  };
}

function parseMochaLines(text: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as { name?: unknown; status?: unknown };
      if (typeof r.name === 'string' && (r.status === 'pass' || r.status === 'fail' || r.status === 'skip')) out.push({ name: r.name, status: r.status });
    } catch {
      // a line cut short by a killed run
    }
  }
  return out;
}

/** The reports `dir` holds after a run (with the worktree's paths made '.'), or null when no runner wrote one. */
export async function readReports(dir: string, output: string, roots: string[]): Promise<{ format: TestFormat; tests: TestCaseResult[] } | null> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n !== hookName).sort();
  const tests: TestCaseResult[] = [];
  let format: TestFormat | null = null;
  const relative = (text: string) => {
    for (const root of [...new Set(roots)].sort((a, b) => b.length - a.length)) if (root.length > 1) text = text.split(root).join('.');
    return text;
  };
  for (const name of names) {
    const text = relative(await readFile(join(dir, name), 'utf8').catch(() => ''));
    if (name.endsWith('.xml')) {
      tests.push(...parseJunit(text));
      format ??= 'junit';
    } else if (name.startsWith('jest-')) {
      tests.push(...parseJestJson(text));
      format ??= 'jest-json';
    } else if (name.startsWith('mocha-')) {
      tests.push(...parseMochaLines(text));
      format ??= 'mocha-events';
    }
  }
  // go test -json writes its events to the output itself.
  const go = parseGoJson(output);
  if (go.length > 0) {
    tests.push(...go);
    format ??= 'go-json';
  }
  return format === null ? null : { format, tests };
}
