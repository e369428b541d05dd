// jest --json: every assertion of every test file with its status. A file that could not run at all
// (a syntax error in the code it imports) has no assertions; it is one failing entry named by the file.
import type { TestCaseResult, TestStatus } from '../types';

interface JestAssertion {
  ancestorTitles?: string[];
  title?: string;
  status?: string;
}

interface JestFile {
  name?: string;
  status?: string;
  assertionResults?: JestAssertion[];
}

function toStatus(status: string | undefined): TestStatus {
  if (status === 'passed') return 'pass';
  if (status === 'failed') return 'fail';
  return 'skip';
}

export function parseJestJson(text: string): TestCaseResult[] {
  let report: { testResults?: JestFile[] };
  try {
    report = JSON.parse(text) as { testResults?: JestFile[] };
  } catch {
    return [];
  }
  const out: TestCaseResult[] = [];
  for (const file of report.testResults ?? []) {
    const results = file.assertionResults ?? [];
    if (results.length === 0 && file.status === 'failed') out.push({ name: `${file.name ?? '?'} (test file failed to run)`, status: 'fail' });
    for (const a of results) out.push({ name: [file.name ?? '?', ...(a.ancestorTitles ?? []), a.title ?? '?'].join(' > '), status: toStatus(a.status) });
  }
  return out;
}
