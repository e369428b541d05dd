// cargo test: "test path::name ... ok|FAILED|ignored".
import type { TestCaseResult, TestStatus } from '../types';

const line = /^test (\S+) \.\.\. (ok|FAILED|ignored)\b/gm;

export function parseCargo(output: string): TestCaseResult[] {
  return [...output.matchAll(line)].map((m) => ({ name: m[1], status: (m[2] === 'ok' ? 'pass' : m[2] === 'ignored' ? 'skip' : 'fail') as TestStatus }));
}
