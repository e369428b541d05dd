// node --test's spec reporter: "✔ name (1ms)", "✖ name (1ms)", "﹣ name (1ms) # SKIP", suites
// opened by "▶ name" and closed by a result line of the same name at the same indentation. The
// summary that repeats failures after "✖ failing tests:" is not read twice.
import type { TestCaseResult, TestStatus } from '../types';

const resultLine = /^(\s*)([✔✖﹣])\s+(.*?)(?:\s+\([\d.]+m?s\))?(\s+#\s*(?:SKIP|TODO).*)?\s*$/u;
const suiteLine = /^(\s*)▶\s+(.*?)\s*$/u;

export function parseNodeSpec(output: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  const path: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (/^✖ failing tests:/u.test(line)) break;
    const suite = suiteLine.exec(line);
    if (suite) {
      const depth = Math.floor(suite[1].length / 2);
      path.length = depth;
      path[depth] = suite[2];
      continue;
    }
    const m = resultLine.exec(line);
    if (!m) continue;
    const depth = Math.floor(m[1].length / 2);
    if (path.length > depth && path[depth] === m[3]) {
      path.length = depth;
      continue;
    }
    path.length = Math.min(path.length, depth);
    const status: TestStatus = m[4] || m[2] === '﹣' ? 'skip' : m[2] === '✔' ? 'pass' : 'fail';
    out.push({ name: [...path, m[3]].join(' > '), status });
  }
  return out;
}
