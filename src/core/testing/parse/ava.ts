// ava's default reporter: "✔ name", "✘ [fail]: name message", "- [skip] name", "✔ [expected fail] name";
// "file › title" names when several files run. A trailing duration "(12ms)" is not part of the name.
import type { TestCaseResult, TestStatus } from '../types';

const line = /^\s*(✔|✘|-)\s+(?:\[(fail|skip|todo|expected fail)\]:?\s+)?(.+?)(?:\s+\(\d+(?:\.\d+)?m?s\))?\s*$/u;

export function parseAva(output: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  // Failures are listed again, with their errors, after the summary line ("1 test failed").
  for (const text of output.split(/\r?\n/)) {
    if (/^\s*─+\s*$/u.test(text)) break;
    const m = line.exec(text);
    if (!m || (m[1] === '-' && m[2] === undefined)) continue;
    let name = m[3];
    let status: TestStatus = m[1] === '✔' ? 'pass' : m[1] === '-' ? 'skip' : 'fail';
    if (m[2] === 'fail') {
      // "✘ [fail]: title Error thrown in test": ava may put a short message after the title.
      const cut = / (?:Error thrown in test|Rejected promise returned by test|Test finished without running any assertions|Promise returned by test never resolved|Timed out while running tests|Assertion failed|Difference \(- actual, \+ expected\)).*$/.exec(name);
      if (cut) name = name.slice(0, cut.index);
      status = 'fail';
    }
    out.push({ name: name.trim(), status });
  }
  return out;
}
