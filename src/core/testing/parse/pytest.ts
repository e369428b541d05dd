// pytest, verbose ("path::test PASSED") or with -rA short summaries ("FAILED path::test - msg").
import type { TestCaseResult, TestStatus } from '../types';

const verbose = /^(\S+::\S+)\s+(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/gm;
const summary = /^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(\S+::\S+)/gm;

function toStatus(word: string): TestStatus {
  if (word === 'PASSED' || word === 'XFAIL') return 'pass';
  if (word === 'SKIPPED') return 'skip';
  return 'fail';
}

export function parsePytest(output: string): TestCaseResult[] {
  const byName = new Map<string, TestStatus>();
  for (const m of output.matchAll(verbose)) byName.set(m[1], toStatus(m[2]));
  for (const m of output.matchAll(summary)) byName.set(m[2], toStatus(m[1]));
  return [...byName].map(([name, status]) => ({ name, status }));
}
