// More samples into a finished run (solve with a ResumableRun): the new samples are numbered and
// seeded after the first ones, applied on the first round's snapshot (not the user's files as they
// are now), judged against the first round's baseline without running it again, and ranked with the
// earlier candidates: a new sample that writes an existing candidate's patch joins its group and
// takes its test run. Real git repository, real node test runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import type { FileChange } from '../../../src/core/edits/editTypes';
import type { ResumableRun, SolvePhase } from '../../../src/core/pipeline/types';
import type { SampleSource } from '../../../src/core/sampling/sampleSource';
import { assertNoWorktreesLeft, bug, files, solveOptions, sr } from './addFixture';

/** The replayed samples, with the seed each draw was asked for. */
function recording(texts: string[]): { source: SampleSource; seeds: number[] } {
  const inner = new FromSamplesSource(texts);
  const seeds: number[] = [];
  return { seeds, source: { description: inner.description, close: () => inner.close(), draw: (tree, params, handlers, signal) => (seeds.push(params.seed), inner.draw(tree, params, handlers, signal)) } };
}

const fixA = sr('exports.add = (a, b) => a + b;');
const fixB = sr('exports.add = (a, b) => b + a;');
const wrong = sr('exports.add = (a, b) => a * b;');

test('draw 3 more: numbered and seeded after the first 3, same snapshot and baseline, a repeated patch joins its group', async () => {
  const repo = makeRepo(files);
  try {
    const { source, seeds } = recording([fixA, 'no edit here', fixB, fixA, wrong, 'still no edit']);
    let resumable: ResumableRun | undefined;
    const first = await solve(solveOptions(repo.dir, [], { n: 3, source }), { onResumable: (r) => (resumable = r) }, new AbortController().signal);
    assert.ok(resumable, 'no onResumable');
    assert.deepEqual(first.groups.map((g) => g.members), [[0], [2]]);
    assert.equal(resumable.nextIndex, 3);

    // The user edits the file between the rounds: the new candidates are still tested on the snapshot.
    writeFileSync(join(repo.dir, 'lib.js'), `// mine\n${bug}\n`);
    const phases: SolvePhase[] = [];
    const seen = new Map<number, FileChange[]>();
    let baselines = 0;
    let second: ResumableRun | undefined;
    const more = await solve(solveOptions(repo.dir, [], { n: 3, source }), {
      onPhase: (p) => phases.push(p),
      onBaseline: () => baselines++,
      onCandidateFiles: (i, c) => seen.set(i, c),
      onResumable: (r) => (second = r),
    }, new AbortController().signal, resumable);

    assert.deepEqual(seeds, [0, 3], 'the second draw is seeded after the first one\'s samples');
    assert.ok(!phases.includes('context') && !phases.includes('baseline'), `phases ${phases.join(', ')}`);
    assert.equal(baselines, 0, 'the baseline is not run again');
    assert.deepEqual(more.baseline, first.baseline);
    assert.deepEqual(more.candidates.map((c) => c.index), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(more.candidates.map((c) => c.verdict), ['verified', 'not-applied', 'verified', 'verified', 'no-fix', 'not-applied']);
    assert.deepEqual([...seen.keys()].sort(), [3, 4], 'only this round\'s applied candidates are reported');
    assert.equal(seen.get(3)?.[0].before, `${bug}\n`, 'applied on the snapshot, not on the user\'s edited file');
    // Sample 3 wrote sample 0's patch: one group, one test run (the first round's, taken over).
    const a = more.groups.find((g) => g.members.includes(0));
    assert.deepEqual(a?.members, [0, 3]);
    assert.equal(a?.representative, 0);
    assert.deepEqual(more.candidates[3].test, first.candidates[0].test, 'the same patch is not tested twice');
    assert.equal(more.groups.length, 3);
    assert.equal(more.groups[0], a, 'two samples agreeing rank first');
    assert.deepEqual([more.coverage.n, more.coverage.c], [6, 3]);
    assert.equal(more.stoppedEarly, false);
    assert.equal(second?.nextIndex, 6);
    assert.deepEqual(second?.progress && [second.progress.total, second.progress.sampled, second.progress.passing], [6, 6, 3]);
    assertNoWorktreesLeft(repo.dir);
  } finally {
    repo.cleanup();
  }
});

test('draw more after the snapshot was pruned from the repository: a clear error, nothing drawn', async () => {
  const repo = makeRepo(files);
  try {
    const { source, seeds } = recording([fixA, fixB]);
    let resumable: ResumableRun | undefined;
    await solve(solveOptions(repo.dir, [], { n: 1, source, runTests: false }), { onResumable: (r) => (resumable = r) }, new AbortController().signal);
    assert.ok(resumable);
    git(repo.dir, 'gc', '-q', '--prune=now');
    await assert.rejects(solve(solveOptions(repo.dir, [], { n: 1, source }), {}, new AbortController().signal, resumable), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'cannot_draw_more');
      assert.match(err.message, /snapshot .* is no longer in/);
      assert.match(err.hint ?? '', /Solve the issue again/);
      return true;
    });
    assert.deepEqual(seeds, [0]);
  } finally {
    repo.cleanup();
  }
});
