import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEditsToTexts } from '../../../../src/core/edits/applyEdits';
import { parseEdits } from '../../../../src/core/edits/parseEdits';

async function apply(file: string, sample: string): Promise<{ text: string | null; status: string }> {
  const r = await applyEditsToTexts(parseEdits(sample).edits, async () => file);
  return { text: r.changes[0]?.after ?? null, status: r.status };
}

// The file indents by 2; the model's diff indents by 4 (and writes a context line slightly differently).
const file = ['function mean(xs) {', '  let total = 0;', '  for (let i = 1; i < xs.length; i++) {', '    total += xs[i];  ', '  }', '  return total / xs.length;', '}', ''].join('\n');

test('a fuzzy diff never rewrites unchanged context lines, and its changed lines follow the file\'s indentation', async () => {
  const diff = ['--- a/stats.js', '+++ b/stats.js', '@@ -2,4 +2,5 @@', '     let total = 0;', '-    for (let i = 1; i < xs.length; i++) {', '+    for (let i = 0; i < xs.length; i++) {', '+        if (xs[i] === undefined) continue;', '         total += xs[i];', '     }', ''].join('\n');
  const r = await apply(file, diff);
  assert.equal(r.status, 'fuzzy');
  assert.equal(r.text, ['function mean(xs) {', '  let total = 0;', '  for (let i = 0; i < xs.length; i++) {', '    if (xs[i] === undefined) continue;', '    total += xs[i];  ', '  }', '  return total / xs.length;', '}', ''].join('\n'));
});

test('the fuzzy fix gives the same file as the exact one', async () => {
  const exact = await apply(file, 'stats.js\n<<<<<<< SEARCH\n  for (let i = 1; i < xs.length; i++) {\n=======\n  for (let i = 0; i < xs.length; i++) {\n>>>>>>> REPLACE\n');
  const fuzzy = await apply(file, 'stats.js\n<<<<<<< SEARCH\nlet total = 0;\nfor (let i = 1; i < xs.length; i++) {\n=======\nlet total = 0;\nfor (let i = 0; i < xs.length; i++) {\n>>>>>>> REPLACE\n');
  assert.equal(exact.status, 'clean');
  assert.equal(fuzzy.status, 'fuzzy');
  assert.equal(fuzzy.text, exact.text);
});
