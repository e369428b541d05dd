// What an issue points at: file paths (with a line, when a stack trace gives one) and identifiers.
// Stack traces are the strongest evidence, so the common formats are read explicitly: Python, Node,
// Java (and other JVM languages), Go; then any path-looking token and any backticked or code-shaped
// identifier in the prose.

export interface PathMention {
  /** As written (may be absolute, or a partial path, or a Java package path). */
  path: string;
  line?: number;
  /** Found in a stack trace (stronger) rather than in prose. */
  fromTrace: boolean;
}

export interface IssueMentions {
  paths: PathMention[];
  identifiers: string[];
}

const codeExt = 'js|jsx|mjs|cjs|ts|tsx|mts|cts|py|go|rs|java|kt|scala|rb|php|c|h|cc|cpp|hpp|cs|swift|json|ya?ml|toml|md|sh|css|html|vue|svelte';
const pythonFrame = /File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?/g;
const nodeFrame = /\bat (?:(?:async )?([\w$.<>[\] ]+?) \()?((?:file:\/\/)?[^\s()]+?\.(?:[cm]?[jt]sx?)):(\d+):\d+\)?/g;
const javaFrame = /\bat ([\w$]+(?:\.[\w$]+)*)\.([\w$<>]+)\(([\w$]+\.(?:java|kt|scala|groovy)):(\d+)\)/g;
const goFrame = /^\s*((?:\/|[\w.-]+\/)[\w./-]*\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/gm;
const goFunc = /^([\w./-]+)\.(\(?\*?[\w]+\)?\.)?(\w+)\(.*\)\s*$/gm;
const pathToken = new RegExp(`(?:^|[\\s'"\`(\\[<])((?:\\.{0,2}/)?[\\w@.-]+(?:/[\\w@.-]+)*\\.(?:${codeExt}))(?::(\\d+))?(?=$|[\\s'"\`)\\]>:,;.!?])`, 'gm');
const backticked = /`([^`\n]{1,80})`/g;
const codeWord = /\b([A-Za-z_$][\w$]*(?:_[\w$]+|[a-z][A-Z][\w$]*))\b|\b([A-Za-z_$][\w$]*)\(/g;

export function extractMentions(issue: string): IssueMentions {
  const paths: PathMention[] = [];
  const ids = new Set<string>();
  const addId = (raw: string | undefined) => {
    if (!raw) return;
    for (const part of raw.split(/[.<>\s[\]()*]+/)) if (/^[A-Za-z_$][\w$]{2,}$/.test(part) && !noise.has(part)) ids.add(part);
  };
  for (const m of issue.matchAll(pythonFrame)) {
    paths.push({ path: m[1], line: Number(m[2]), fromTrace: true });
    addId(m[3]);
  }
  for (const m of issue.matchAll(nodeFrame)) {
    if (m[2].includes('node:internal') || m[2].startsWith('node:')) continue;
    paths.push({ path: m[2].replace(/^file:\/\//, ''), line: Number(m[3]), fromTrace: true });
    addId(m[1]);
  }
  for (const m of issue.matchAll(javaFrame)) {
    // com.acme.util.Parser.parse(Parser.java:42) -> com/acme/util/Parser.java
    const pkg = m[1].split('.').filter((p) => /^[a-z]/.test(p));
    paths.push({ path: [...pkg, m[3]].join('/'), line: Number(m[4]), fromTrace: true });
    addId(m[1].split('.').pop());
    addId(m[2]);
  }
  for (const m of issue.matchAll(goFrame)) paths.push({ path: m[1], line: Number(m[2]), fromTrace: true });
  for (const m of issue.matchAll(goFunc)) addId(m[3]);
  for (const m of issue.matchAll(pathToken)) {
    if (/^\d+(\.\d+)+$/.test(m[1])) continue; // version numbers like 1.2.3
    if (!paths.some((p) => p.path === m[1] || p.path.endsWith('/' + m[1]))) {
      paths.push({ path: m[1], line: m[2] ? Number(m[2]) : undefined, fromTrace: false });
    }
  }
  for (const m of issue.matchAll(backticked)) {
    const inner = m[1].trim();
    if (/^[\w$.]+(\(\))?$/.test(inner)) addId(inner.replace(/\(\)$/, ''));
    else for (const w of inner.matchAll(/[A-Za-z_$][\w$]{2,}/g)) if (/[_A-Z]/.test(w[0].slice(1)) || inner.includes(w[0] + '(')) addId(w[0]);
  }
  for (const m of issue.matchAll(codeWord)) addId(m[1] ?? m[2]);
  return { paths, identifiers: [...ids] };
}

/** Words that look like code in traces and prose but name nothing in the repository. */
const noise = new Set([
  'Object', 'anonymous', 'module', 'Module', 'node', 'internal', 'Error', 'TypeError', 'ValueError', 'KeyError',
  'Traceback', 'most', 'recent', 'call', 'last', 'undefined', 'null', 'true', 'false', 'None', 'self', 'this',
  'print', 'console', 'log', 'main', 'async', 'Promise', 'process', 'processTicksAndRejections', 'runMicrotasks',
  'require', 'import', 'assert', 'AssertionError', 'goroutine', 'panic', 'runtime', 'Exception', 'java', 'lang',
]);

/** Repository paths a mention refers to: exact, a trace's absolute path ending in one, or a partial path. */
export function resolveMention(mention: string, repoPaths: readonly string[]): string[] {
  const m = mention.replace(/^file:\/\//, '').replace(/^\.\//, '').replace(/\\/g, '/');
  const exact = repoPaths.filter((p) => p === m);
  if (exact.length) return exact;
  const containing = repoPaths.filter((p) => m.endsWith('/' + p));
  if (containing.length) {
    // /home/u/proj/src/a.js matches src/a.js and (worse) a.js: keep the longest.
    const longest = Math.max(...containing.map((p) => p.length));
    return containing.filter((p) => p.length === longest);
  }
  const partial = repoPaths.filter((p) => p.endsWith('/' + m));
  return partial.length <= 5 ? partial : [];
}
