// Top-level symbols per language, found with line-anchored regular expressions: good enough for a
// repository map and for matching identifiers from an issue, with no parser per language to ship.
// Only definitions at the start of a line (optionally indented one level for methods) are taken.

export interface CodeSymbol {
  name: string;
  kind: 'function' | 'class' | 'method' | 'type' | 'variable';
  /** 1-based line of the definition. */
  line: number;
  /** The definition line, trimmed and shortened: what the repository map shows. */
  signature: string;
}

type Rule = { re: RegExp; kind: CodeSymbol['kind'] };

const js: Rule[] = [
  { re: /^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/, kind: 'function' },
  { re: /^(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/, kind: 'class' },
  { re: /^(?:export\s+)?(?:interface|type|enum)\s+([A-Za-z_$][\w$]*)/, kind: 'type' },
  { re: /^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/, kind: 'function' },
  { re: /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=/, kind: 'variable' },
  { re: /^ {2,4}(?:static\s+|async\s+|get\s+|set\s+|public\s+|private\s+|protected\s+)*([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::[^{]+)?\{\s*$/, kind: 'method' },
];
const python: Rule[] = [
  { re: /^(?:async\s+)?def\s+([A-Za-z_]\w*)/, kind: 'function' },
  { re: /^class\s+([A-Za-z_]\w*)/, kind: 'class' },
  { re: /^ {4}(?:async\s+)?def\s+([A-Za-z_]\w*)/, kind: 'method' },
  { re: /^([A-Z_][A-Z0-9_]*)\s*=/, kind: 'variable' },
];
const go: Rule[] = [
  { re: /^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/, kind: 'function' },
  { re: /^type\s+([A-Za-z_]\w*)/, kind: 'type' },
];
const rust: Rule[] = [
  { re: /^\s{0,4}(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+([A-Za-z_]\w*)/, kind: 'function' },
  { re: /^(?:pub(?:\([^)]*\))?\s+)?(?:struct|enum|trait|type|union)\s+([A-Za-z_]\w*)/, kind: 'type' },
  { re: /^(?:pub\s+)?mod\s+([A-Za-z_]\w*)/, kind: 'type' },
];
const java: Rule[] = [
  { re: /^(?:public\s+|protected\s+|private\s+|abstract\s+|final\s+|static\s+)*(?:class|interface|enum|record)\s+([A-Za-z_]\w*)/, kind: 'class' },
  { re: /^\s{2,4}(?:public\s+|protected\s+|private\s+|static\s+|final\s+|abstract\s+|synchronized\s+)+[\w<>[\], ?]+\s+([A-Za-z_]\w*)\s*\(/, kind: 'method' },
];
const c: Rule[] = [
  { re: /^(?:static\s+|inline\s+|extern\s+)*[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\([^;]*$/, kind: 'function' },
  { re: /^(?:typedef\s+)?(?:struct|union|enum)\s+([A-Za-z_]\w*)/, kind: 'type' },
  { re: /^#define\s+([A-Za-z_]\w*)/, kind: 'variable' },
];

const byExtension: Record<string, Rule[]> = {
  js, jsx: js, mjs: js, cjs: js, ts: js, tsx: js, mts: js, cts: js,
  py: python, go, rs: rust, java, kt: java, scala: java, cs: java,
  c, h: c, cc: c, cpp: c, cxx: c, hpp: c, hh: c,
};

const keywords = new Set(['if', 'for', 'while', 'switch', 'return', 'catch', 'else', 'do', 'new', 'function', 'constructor']);

/** Symbols defined at the top level (and one level of methods) of `text`, for the file at `path`. */
export function extractSymbols(path: string, text: string): CodeSymbol[] {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1].toLowerCase() ?? '';
  const rules = byExtension[ext];
  if (!rules) return [];
  const out: CodeSymbol[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.length > 400) continue;
    for (const { re, kind } of rules) {
      const m = re.exec(line);
      if (!m || keywords.has(m[1])) continue;
      const signature = line.trim().replace(/\s*\{\s*$/, '').slice(0, 120);
      out.push({ name: m[1], kind, line: i + 1, signature });
      break;
    }
  }
  return out;
}
