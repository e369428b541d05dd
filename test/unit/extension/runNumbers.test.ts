// Candidate numbers across rounds of a run (RunState.visibleGroups, freezeNumbers): the rank while
// the first round runs, kept once it finishes; a later round's new candidates are numbered after
// them and listed where the real ranking (src/core/rank) puts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CandidateResult } from '../../../src/core/pipeline/types';
import { RunState } from '../../../src/extension/runState';

const candidate = (index: number, diff: string, verdict: CandidateResult['verdict']): CandidateResult => ({
  index, apply: { status: 'clean', files: ['a.js'] }, diff: `--- a/a.js\n+++ b/a.js\n@@ -1 +1 @@\n-x\n+${diff}\n`,
  fixed: verdict === 'verified' ? ['t'] : [], broken: [], verdict, group: null, rank: null,
});

test('numbers are ranks in the first round, kept after it; new candidates are numbered after and listed by rank', () => {
  const run = new RunState(1, '/repo', 2);
  run.addCandidate(candidate(1, 'b', 'no-fix'));
  assert.equal(run.label(1), 'candidate 1');
  run.addCandidate(candidate(0, 'a', 'verified'));
  // Still the first round: the verified one ranks first and is candidate 1.
  assert.deepEqual(run.visibleGroups().map((g) => [g.rank, g.members]), [[1, [0]], [2, [1]]]);
  run.freezeNumbers();

  // A later round: two samples agree on a new verified patch (it ranks first), one repeats patch b.
  for (const c of [candidate(2, 'c', 'verified'), candidate(3, 'b', 'no-fix'), candidate(4, 'c', 'verified')]) run.addCandidate(c);
  assert.deepEqual(run.visibleGroups().map((g) => [g.rank, g.members]), [[3, [2, 4]], [1, [0]], [2, [1, 3]]]);
  assert.equal(run.label(4), 'candidate 3');
  assert.equal(run.label(3), 'candidate 2', 'a sample joining a candidate takes its number');
  run.freezeNumbers();
  run.addCandidate(candidate(5, 'd', 'verified'));
  assert.deepEqual(run.visibleGroups().map((g) => g.rank), [3, 1, 4, 2]);
});

test('a discarded candidate stays discarded when a later round adds samples to it', () => {
  const run = new RunState(1, '/repo', 1);
  run.addCandidate(candidate(0, 'a', 'no-fix'));
  for (const m of run.visibleGroups()[0].members) run.discarded.add(m);
  run.freezeNumbers();
  run.addCandidate(candidate(1, 'a', 'no-fix'));
  assert.deepEqual(run.visibleGroups()[0].members, [0, 1]);
  assert.equal(run.isDiscarded(run.visibleGroups()[0]), true);
});
