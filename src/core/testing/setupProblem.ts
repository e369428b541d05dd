// A first baseline run that shows the tests cannot run at all: the command is missing, a dependency is
// not installed, or no test was found. That is no baseline (every candidate would be judged against a
// broken setup), so the solve stops before drawing any sample and says what to do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import type { TestRunResult } from './types';

interface Problem {
  what: string;
  hint: string;
}

const fixCommand = 'or pass --test (the hydrapatch.testCommand setting in the editor) a command that runs the tests in a terminal in this folder';

/** The Python module a "No module named" error is about, when it is not part of the repository. */
function missingPythonModule(output: string, root: string): string | undefined {
  for (const m of output.matchAll(/No module named ['"]?([\w.]+)['"]?/g)) {
    const top = m[1].split('.')[0];
    const inRepo = [top, `${top}.py`, join('src', top), join('src', `${top}.py`)].some((p) => existsSync(join(root, p)));
    if (!inRepo) return m[1];
  }
  return undefined;
}

/** The package a node "Cannot find module/package" error is about, when it is a dependency (not a file of the project). */
function missingNodePackage(output: string): string | undefined {
  for (const m of output.matchAll(/Cannot find (?:module|package) '([^']+)'/g)) {
    const spec = m[1];
    if (!spec.startsWith('.') && (!spec.startsWith('/') || spec.includes('/node_modules/'))) return spec;
  }
  return undefined;
}

const noTests: RegExp[] = [
  /\bno tests ran\b/i, // pytest
  /^Ran 0 tests\b/m, // unittest
  /\bNO TESTS RAN\b/,
  /No tests found, exiting with code/, // jest
  /No test files found/, // vitest, mocha
  /Couldn[’']t find any files to test/, // ava
];

function problemOf(run: TestRunResult, root: string): Problem | null {
  const out = run.outputTail;
  const ran = run.tests.filter((t) => t.status !== 'skip').length;
  const passed = run.tests.some((t) => t.status === 'pass');
  const notFound = /(?:^|\n)[^\n]*?:\s*(?:line \d+:\s*)?(?:\d+:\s*)?([^\s:]+): (?:command )?not found\b/.exec(out)
    ?? /(?:^|\n)[^\n]*?\b(?:sh|bash|zsh|dash):[^\n]*?\bcan't open\b[^\n]*?([^\s:]+)/.exec(out);
  if (run.exitCode === 127 || (notFound && !passed)) {
    const name = notFound?.[1];
    return {
      what: name ? `"${name}" is not installed (or not on PATH)` : 'the test command was not found (exit 127)',
      hint: `Install ${name ? `"${name}"` : 'it'}, ${fixCommand}.`,
    };
  }
  if (run.exitCode === 126) return { what: 'the test command cannot be executed (exit 126: not executable, or permission denied)', hint: `Make the script executable (chmod +x), run it through its interpreter (e.g. sh test.sh), ${fixCommand}.` };
  if (passed) return null;
  const linker = /linker `([^`]+)` not found|cannot find '(ld)'|error: linker[^\n]*not found/.exec(out);
  if (linker) return { what: `the build cannot link (${linker[1] ?? linker[2] ?? 'linker'} not found)`, hint: `Install a C toolchain (cc, ld), ${fixCommand}.` };
  const script = /npm (?:ERR!|error) Missing script: "?([\w:.-]+)"?/.exec(out) ?? /ERR_PNPM_NO_SCRIPT[^\n]*?"?([\w:.-]+)"?/.exec(out);
  if (script) return { what: `package.json has no "${script[1]}" script`, hint: `Add it, ${fixCommand}.` };
  const py = missingPythonModule(out, root);
  if (py) {
    return {
      what: `the Python module "${py}" is not installed for the interpreter the tests ran with`,
      hint: `Install the project's dependencies into its environment (e.g. .venv/bin/pip install -e . pytest), ${fixCommand} (e.g. --test ".venv/bin/python -m pytest").`,
    };
  }
  const js = missingNodePackage(out);
  if (js) return { what: `the package "${js}" is not installed`, hint: `Install the project's dependencies (npm ci, pnpm install, yarn), ${fixCommand}.` };
  if (ran === 0 && (noTests.some((re) => re.test(out)) || (run.exitCode === 5 && /pytest|collected 0 items/.test(out)))) {
    return { what: 'no tests ran', hint: `Point the command at the tests (e.g. --test "pytest tests/"), ${fixCommand}.` };
  }
  if (run.exitCode === 4 && ran === 0 && /pytest|usage:/.test(out)) return { what: 'pytest could not start (a usage error: an unknown option or a path that does not exist)', hint: `Fix the arguments, ${fixCommand}.` };
  return null;
}

/** Throws a 'test_setup' error, quoting the output, when the run shows the tests cannot run; returns otherwise. */
export function checkTestSetup(run: TestRunResult, root: string): void {
  const problem = problemOf(run, root);
  if (!problem) return;
  const lines = run.outputTail.trimEnd().split('\n').slice(-15).map((l) => `    ${l}`);
  throw new HydrapatchError(
    'test_setup',
    `the tests cannot run on the unmodified tree: ${problem.what}. Nothing was sampled.\n  $ ${run.command}   (exit ${run.exitCode ?? run.signal})\n${lines.join('\n')}`,
    problem.hint,
  );
}
