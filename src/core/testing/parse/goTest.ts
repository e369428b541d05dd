// go test -v: "--- PASS: TestX (0.00s)", "--- FAIL: TestX/sub (0.00s)", "--- SKIP: ...".
import type { TestCaseResult, TestStatus } from '../types';

const line = /^\s*--- (PASS|FAIL|SKIP): (\S+)/gm;

export function parseGoTest(output: string): TestCaseResult[] {
  return [...output.matchAll(line)].map((m) => ({ name: m[2], status: (m[1] === 'PASS' ? 'pass' : m[1] === 'SKIP' ? 'skip' : 'fail') as TestStatus }));
}
