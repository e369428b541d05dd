// Okapi BM25 over small documents (a file's path, symbols and text). Terms split identifiers the way
// people write them in issues: "parseHeader", "parse_header" and "parse-header" all give parse, header.

const stop = new Set(['the', 'and', 'for', 'with', 'this', 'that', 'from', 'not', 'are', 'was', 'but', 'when', 'have', 'has', 'should', 'would', 'which', 'then', 'than', 'into', 'its', 'can', 'does', 'did', 'there', 'what', 'get', 'set', 'let', 'var', 'const', 'def', 'return', 'function', 'import', 'export', 'self', 'new', 'true', 'false', 'null', 'none', 'undefined']);

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.matchAll(/[A-Za-z][A-Za-z0-9]*|[0-9]+/g)) {
    const parts = word[0].split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/);
    for (const p of parts) {
      const t = p.toLowerCase();
      if (t.length >= 2 && !stop.has(t) && !/^[0-9]+$/.test(t)) out.push(t);
    }
    if (parts.length > 1) {
      const whole = word[0].toLowerCase();
      if (!stop.has(whole)) out.push(whole);
    }
  }
  return out;
}

export interface Bm25Index {
  /** One score per document, for the query's terms. */
  score(queryTerms: string[]): number[];
}

export function buildBm25(docs: string[][], k1 = 1.2, b = 0.75): Bm25Index {
  const n = docs.length;
  const tfs = docs.map((d) => {
    const tf = new Map<string, number>();
    for (const t of d) tf.set(t, (tf.get(t) ?? 0) + 1);
    return tf;
  });
  const df = new Map<string, number>();
  for (const tf of tfs) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const avgLen = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, n);
  return {
    score(queryTerms) {
      const terms = [...new Set(queryTerms)];
      return tfs.map((tf, i) => {
        let s = 0;
        for (const t of terms) {
          const f = tf.get(t);
          if (!f) continue;
          const idf = Math.log(1 + (n - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
          s += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * docs[i].length) / Math.max(1, avgLen)));
        }
        return s;
      });
    },
  };
}
