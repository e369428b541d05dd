// The panel's ranking while a run goes on is the pipeline's ranking of the candidates so far: fed only
// the onCandidate events of a real solve, the editor's RunState ends with exactly the result's groups,
// and at every step its "#1" is the final ranking's "#1" of the candidates seen up to then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { rankCandidates } from '../../../src/core/rank/rankCandidates';
import type { CandidateResult } from '../../../src/core/pipeline/types';
import { RunState } from '../../../src/extension/runState';
import { files, solveOptions, sr } from './addFixture';

test('live ranking of the candidates so far equals the final ranking of the same set', async () => {
  const repo = makeRepo(files);
  try {
    const texts = [
      sr('exports.add = (a, b) => a * b;'), // the test still fails: no fix
      sr('exports.add = (a, b) => a + b;'),
      'no edit here',
      sr('exports.add = (a, b) =>  a + b;'), // the same fix, other whitespace: one group with sample 1
      sr('exports.add = (a, b) => b + a;'),
    ];
    const run = new RunState(1, repo.dir, texts.length);
    const seen: CandidateResult[] = [];
    const bestSoFar: (number | undefined)[] = [];
    const result = await solve(solveOptions(repo.dir, texts, {}), {
      onCandidate: (c) => {
        run.addCandidate(c);
        seen.push(c);
        bestSoFar.push(run.visibleGroups()[0]?.representative);
        // The final ranking of exactly this set, in the order the pipeline sorts it.
        const final = rankCandidates([...seen].sort((a, b) => a.index - b.index)).groups;
        assert.deepEqual(run.visibleGroups(), final);
      },
    }, new AbortController().signal);
    assert.equal(seen.length, texts.length);
    assert.deepEqual(run.visibleGroups(), result.groups);
    // Verified first, the larger agreeing group before the single one; identical fixes grouped live too.
    assert.deepEqual(result.groups.map((g) => [g.verdict, g.members]), [['verified', [1, 3]], ['verified', [4]], ['no-fix', [0]]]);
    assert.equal(run.label(3), 'candidate 1');
    assert.equal(run.label(2), 'sample 3');
    // Once a verified candidate arrived, "#1" is a verified one at every later step.
    const firstVerified = seen.findIndex((c) => c.verdict === 'verified');
    for (const best of bestSoFar.slice(firstVerified)) assert.ok(best === 1 || best === 3 || best === 4, `#1 was sample ${best}`);
  } finally {
    repo.cleanup();
  }
});
