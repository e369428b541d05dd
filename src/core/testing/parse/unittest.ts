// Python's unittest in verbose mode (-v): "test_x (pkg.mod.Class.test_x) ... ok|FAIL|ERROR|skipped".
// Names are the dotted id, so they match across runs and Python versions (3.11+ adds the method).
import type { TestCaseResult, TestStatus } from '../types';

const line = /^(\w+) \(([\w.]+)\)(?:\n.*?)?\s*\.\.\.\s*(ok|FAIL|ERROR|skipped|expected failure|unexpected success)\b/gm;

export function parseUnittest(output: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  for (const m of output.matchAll(line)) {
    const id = m[2].endsWith(`.${m[1]}`) ? m[2] : `${m[2]}.${m[1]}`;
    const status: TestStatus = m[3] === 'ok' || m[3] === 'expected failure' ? 'pass' : m[3] === 'skipped' ? 'skip' : 'fail';
    out.push({ name: id, status });
  }
  return out;
}
