// TAP (node --test's default when not on a terminal, tap-producing runners): "ok N - name",
// "not ok N - name", "# SKIP"/"# TODO" directives; node nests subtests by indentation under
// "# Subtest: name" lines. Only leaves are reported, named "parent > child".
import type { TestCaseResult } from '../types';

const resultLine = /^(\s*)(not ok|ok)\b(?:\s+\d+)?(?:\s+-)?\s*(.*?)\s*$/;
const subtestLine = /^(\s*)# Subtest: (.*)$/;

export function parseTap(output: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  const path: string[] = [];
  // hasChildren[d]: a result was seen one level below the subtest open at depth d.
  const hasChildren: boolean[] = [];
  for (const line of output.split(/\r?\n/)) {
    const sub = subtestLine.exec(line);
    if (sub) {
      const depth = Math.floor(sub[1].length / 4);
      path.length = depth;
      path[depth] = sub[2].trim();
      hasChildren[depth] = false;
      continue;
    }
    const m = resultLine.exec(line);
    if (!m) continue;
    const depth = Math.floor(m[1].length / 4);
    let name = m[3];
    let directive = '';
    const hash = / # (SKIP|TODO)\b/i.exec(name);
    if (hash) {
      directive = hash[1].toUpperCase();
      name = name.slice(0, hash.index).trim();
    }
    // Timings some producers append (vitest's tap-flat, node-tap: "# time=1.27ms") change between runs.
    name = name.replace(/\s+# time=[\d.]+m?s\s*$/i, '');
    if (depth > 0) hasChildren[depth - 1] = true;
    if (hasChildren[depth]) {
      hasChildren[depth] = false;
      continue;
    }
    const prefix = path.slice(0, depth).filter((p) => p !== undefined);
    const status = directive !== '' ? 'skip' : m[2] === 'ok' ? 'pass' : 'fail';
    out.push({ name: [...prefix, name].join(' > '), status });
  }
  return out;
}
