import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressView } from '../../../src/cli/progressView';

function stream(isTTY: boolean) {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s;
}

const apply = { status: 'clean' as const, files: ['a.js'] };
const candidate = { index: 3, apply, diff: 'd', fixed: ['t'], broken: [], verdict: 'verified' as const, group: null, rank: null };

test('on a terminal: one bar redrawn in place, phase lines above it, a newline at the end', () => {
  const s = stream(true);
  const view = progressView(s as unknown as NodeJS.WriteStream);
  view.onProgress!({ total: 4, sampled: 2, applied: 1, tested: 1, passing: 1, finished: 2 });
  view.onCandidate!(candidate);
  view.onPhase!('ranking');
  view.finish();
  assert.equal(
    s.text,
    '\r\x1b[2K[###############---------------] sampled 2/4 · applied 1 · tested 1 · verified 1' + '\r\x1b[2Kranking\n',
  );
});

test('elsewhere: plain lines, one per candidate, no control characters', () => {
  const s = stream(false);
  const view = progressView(s as unknown as NodeJS.WriteStream);
  view.onProgress!({ total: 4, sampled: 2, applied: 1, tested: 1, passing: 1, finished: 2 });
  view.onCandidate!(candidate);
  view.onCandidate!({ ...candidate, index: 4, apply: { status: 'no-edits', reason: 'no edit', files: [] }, verdict: 'not-applied' });
  view.finish();
  // Samples are numbered from 1, as in the report and the panel (core's index 3 is sample 4).
  assert.equal(s.text, 'sample 4: clean → verified\nsample 5: no-edits (no edit)\n');
});
