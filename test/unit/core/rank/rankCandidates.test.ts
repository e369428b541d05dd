import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEditsToTexts } from '../../../../src/core/edits/applyEdits';
import { parseEdits } from '../../../../src/core/edits/parseEdits';
import { countChangedLines, normalizePatch } from '../../../../src/core/rank/normalizePatch';
import { rankCandidates, type RankInput } from '../../../../src/core/rank/rankCandidates';

const base: Record<string, string> = {
  'src/m.js': 'function add(a, b) {\n  return a - b;\n}\n\nfunction mul(a, b) {\n  return a * b;\n}\n',
};

async function diffOf(sample: string): Promise<string> {
  const r = await applyEditsToTexts(parseEdits(sample).edits, async (p) => base[p] ?? null);
  assert.notEqual(r.status, 'failed', r.reason);
  return r.diff;
}

const sr = (search: string, replace: string) => `src/m.js\n<<<<<<< SEARCH\n${search}=======\n${replace}>>>>>>> REPLACE\n`;

test('the same fix written differently normalises to the same key; a different fix does not', async () => {
  const a = await diffOf(sr('  return a - b;\n', '  return a + b;\n'));
  // Same change with trailing spaces, a wider SEARCH (more context) and a CRLF diff.
  const b = await diffOf(sr('function add(a, b) {\n  return a - b;\n}\n', 'function add(a, b) {\n  return  a + b;   \n}\n'));
  const c = (await diffOf(sr('  return a - b;\n', '  return b + a;\n'))).replace(/\n/g, '\r\n');
  const viaDiff = await diffOf('--- a/src/m.js\n+++ b/src/m.js\n@@ -2 +2 @@\n-  return a - b;\n+  return a + b;\n');
  assert.equal(normalizePatch(a), normalizePatch(b));
  assert.equal(normalizePatch(a), normalizePatch(viaDiff));
  assert.notEqual(normalizePatch(a), normalizePatch(c));
  assert.equal(normalizePatch(a), 'src/m.js\n2-return a - b;\n3+return a + b;');
  // The same added line at another place is another fix.
  const elsewhere = await diffOf(sr('  return a * b;\n', '  return a * b;\n  // done\n'));
  const first = await diffOf(sr('  return a - b;\n', '  return a - b;\n  // done\n'));
  assert.notEqual(normalizePatch(elsewhere), normalizePatch(first));
  assert.equal(countChangedLines(a), 2);
});

test('changed lines that look like file headers ("-- x" removed, "++ y" added) are counted as changes', async () => {
  const sql: Record<string, string> = { 'q.sql': 'select 1;\n-- old note\nselect 2;\n' };
  const r = await applyEditsToTexts(parseEdits('q.sql\n<<<<<<< SEARCH\n-- old note\n=======\n++ new note\n>>>>>>> REPLACE\n').edits, async (p) => sql[p] ?? null);
  assert.match(r.diff, /^--- old note$/m);
  assert.equal(normalizePatch(r.diff), 'q.sql\n2--- old note\n3+++ new note');
  assert.equal(countChangedLines(r.diff), 2);
});

test('groups by patch and outcome; ranks verified > larger group > smaller diff; not-applied left out', async () => {
  const fix = await diffOf(sr('  return a - b;\n', '  return a + b;\n'));
  const fixSpaced = await diffOf(sr('  return a - b;\n', '  return a + b;  \n'));
  const fix2 = await diffOf(sr('  return a - b;\n', '  return b + a;\n'));
  const fixBig = await diffOf(sr('  return a - b;\n', '  const s = a + b;\n  return s;\n'));
  const breaker = await diffOf(sr('  return a * b;\n', '  return a + b;\n'));
  const noop = await diffOf(sr('}\n\nfunction mul(a, b) {\n', '}\n// note\n\nfunction mul(a, b) {\n'));
  const cands: RankInput[] = [
    { index: 0, diff: fixBig, verdict: 'verified', fixed: ['add'], broken: [] },
    { index: 1, diff: fix, verdict: 'verified', fixed: ['add'], broken: [] },
    { index: 2, diff: breaker, verdict: 'breaks', fixed: [], broken: ['mul'] },
    { index: 3, diff: fixSpaced, verdict: 'verified', fixed: ['add'], broken: [] },
    { index: 4, diff: '', verdict: 'not-applied', fixed: [], broken: [] },
    { index: 5, diff: fix2, verdict: 'verified', fixed: ['add'], broken: [] },
    { index: 6, diff: breaker, verdict: 'breaks', fixed: [], broken: ['mul'] },
    { index: 7, diff: breaker, verdict: 'breaks', fixed: [], broken: ['mul'] },
    { index: 8, diff: noop, verdict: 'no-fix', fixed: [], broken: [] },
    // Same patch as a verified one but a different outcome (a flaky run): its own group.
    { index: 9, diff: fix, verdict: 'error', fixed: [], broken: [] },
  ];
  const { groups, candidates } = rankCandidates(cands);
  assert.deepEqual(
    groups.map((g) => [g.rank, g.verdict, g.members, g.representative]),
    [
      [1, 'verified', [1, 3], 1],
      // fix2 (2 lines) before fixBig (3 lines): equal support, smaller diff first.
      [2, 'verified', [5], 5],
      [3, 'verified', [0], 0],
      [4, 'no-fix', [8], 8],
      // The largest group, but it breaks a test: consensus does not outrank correctness.
      [5, 'breaks', [2, 6, 7], 2],
      [6, 'error', [9], 9],
    ],
  );
  assert.equal(groups[0].diff, fix);
  assert.equal(groups[0].changedLines, 2);
  assert.deepEqual(candidates.map((c) => c.rank), [3, 1, 5, 1, null, 2, 5, 5, 4, 6]);
});
