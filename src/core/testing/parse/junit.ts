// JUnit XML printed to the output (many runners' --reporter=junit): each <testcase> with a
// <failure>/<error> child fails, with <skipped> is skipped, else passes.
import type { TestCaseResult, TestStatus } from '../../pipeline/types';

const testcase = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;

function attr(attrs: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
}

export function parseJunit(output: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  for (const m of output.matchAll(testcase)) {
    const name = attr(m[1], 'name');
    if (name === undefined) continue;
    const cls = attr(m[1], 'classname');
    const body = m[3] ?? '';
    const status: TestStatus = /<(failure|error)\b/.test(body) ? 'fail' : /<skipped\b/.test(body) ? 'skip' : 'pass';
    out.push({ name: cls ? `${cls} > ${name}` : name, status });
  }
  return out;
}
