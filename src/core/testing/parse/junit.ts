// JUnit XML printed to the output (many runners' --reporter=junit): each <testcase> with a
// <failure>/<error> child fails, with <skipped> is skipped, else passes.
import type { TestCaseResult, TestStatus } from '../types';

const testcase = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML character references and the five named entities, as text. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return entities[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function attr(attrs: string, name: string): string | undefined {
  const raw = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
  return raw === undefined ? undefined : unescapeXml(raw);
}

/**
 * A case's name. With a `file` attribute (pytest's xunit1 family, which Hydrapatch asks for) it is
 * pytest's node id, `tests/test_cart.py::TestCart::test_one`, the name pytest's own output gives, so
 * that runs read from a report and runs read from the output name a test alike. Otherwise
 * `classname > name`.
 */
function caseName(name: string, cls: string | undefined, file: string | undefined): string {
  if (file && /\.py$/.test(file)) {
    const module = file.replace(/\.py$/, '').split('/').join('.');
    const inner = cls && cls.startsWith(`${module}.`) ? cls.slice(module.length + 1).split('.') : [];
    return [file, ...inner, name].join('::');
  }
  return cls ? `${cls} > ${name}` : name;
}

export function parseJunit(output: string): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  for (const m of output.matchAll(testcase)) {
    const name = attr(m[1], 'name');
    if (name === undefined) continue;
    const cls = attr(m[1], 'classname');
    const body = m[3] ?? '';
    const status: TestStatus = /<(failure|error)\b/.test(body) ? 'fail' : /<skipped\b/.test(body) ? 'skip' : 'pass';
    out.push({ name: caseName(name, cls, attr(m[1], 'file')), status });
  }
  return out;
}
