// The run history (src/extension/runHistory.ts, storedRun.ts) on real files: a run filled from a real
// solve comes back with the same panel and the same files to apply; at most MAX_RUNS are kept (the
// oldest dropped with its file); large runs keep the best candidates' files only; an unreadable store
// gives a clear message and an empty history, never a crash, and nothing is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import { RunState } from '../../../src/extension/runState';
import { panelState } from '../../../src/extension/panelState';
import { MAX_RUNS, RunHistory } from '../../../src/extension/runHistory';
import { MAX_FILE_CHARS, fromStoredRun, issueTitle, toStoredRun } from '../../../src/extension/storedRun';
import { files, solveOptions, sr } from '../pipeline/addFixture';

/** A RunState filled from a real solve's events, as the extension's controller fills it. */
async function solvedRun(repoDir: string, texts: string[]): Promise<RunState> {
  const run = new RunState(1, repoDir, texts.length);
  run.issueText = '## add() subtracts\n\nadd(2, 3) gives -1.';
  const result = await solve(solveOptions(repoDir, texts, {}), {
    onSample: (s) => run.samples.set(s.index, s.text),
    onCandidateFiles: (i, c) => run.changes.set(i, c),
    onCandidate: (c) => run.addCandidate(c),
    onProgress: (p) => (run.progress = p),
    onContext: (c) => (run.context = c),
  }, new AbortController().signal);
  run.baseline = result.baseline;
  run.coverage = result.coverage;
  run.sandbox = result.sandbox;
  run.phase = 'done';
  run.freezeNumbers();
  return run;
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'hp-history-'));

test('a stored run comes back with the same panel and the same files to apply', async () => {
  const repo = makeRepo(files);
  const dir = tempDir();
  try {
    const run = await solvedRun(repo.dir, [`The sign was wrong.\n${sr('exports.add = (a, b) => a + b;')}`, 'no edit', sr('exports.add = (a, b) => a * b;')]);
    // The user discarded the second candidate: it stays discarded.
    for (const m of run.visibleGroups()[1].members) run.discarded.add(m);
    const history = new RunHistory(join(dir, 'history'));
    await history.save(toStoredRun(run));
    const { entries, problem } = await new RunHistory(join(dir, 'history')).list();
    assert.equal(problem, undefined);
    assert.equal(entries.length, 1);
    assert.deepEqual({ title: entries[0].title, samples: entries[0].samples, verified: entries[0].verified, candidates: entries[0].candidates, phase: entries[0].phase },
      { title: 'add() subtracts', samples: 3, verified: 1, candidates: 2, phase: 'done' });
    const back = fromStoredRun(await history.load(entries[0].id), 7);
    const { history: note, ...shown } = panelState(back);
    assert.deepEqual({ ...shown, runId: 1 }, panelState(run), 'the panel shows the same run');
    assert.deepEqual(note, { savedAt: entries[0].savedAt, title: 'add() subtracts' });
    assert.ok(back.stored, 'marked as reopened from the history');
    for (const g of run.visibleGroups()) assert.deepEqual(back.filesOf(g.representative), run.filesOf(g.representative));
    assert.equal(back.resumable, undefined, 'no more samples are drawn into a stored run');
  } finally {
    repo.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`at most ${MAX_RUNS} runs, newest first: the oldest is dropped with its file; saving a run again replaces it`, async () => {
  const dir = tempDir();
  try {
    const history = new RunHistory(dir);
    const runs = Array.from({ length: MAX_RUNS + 2 }, (_, i) => {
      const run = new RunState(i + 1, '/repo', 4);
      run.issueText = `issue ${i}`;
      run.phase = 'done';
      return run;
    });
    for (const run of runs) await history.save(toStoredRun(run));
    await history.save(toStoredRun(runs[5]));
    const { entries } = await history.list();
    assert.equal(entries.length, MAX_RUNS);
    assert.equal(entries[0].title, 'issue 5', 'saved again: newest');
    assert.deepEqual(entries.slice(1, 3).map((e) => e.title), [`issue ${MAX_RUNS + 1}`, `issue ${MAX_RUNS}`]);
    assert.ok(!entries.some((e) => e.title === 'issue 0' || e.title === 'issue 1'));
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.json')).length, MAX_RUNS + 1, 'index + one file per kept run');
    await assert.rejects(history.load(toStoredRun(runs[0]).id), { code: 'bad_history' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run over the size limit keeps the best candidates\' files; Apply of another says why it cannot', () => {
  const run = new RunState(1, '/repo', 2);
  // Each candidate's files are a little over half the limit: the first fits, the second does not.
  const big = 'x'.repeat(MAX_FILE_CHARS / 4);
  for (const [index, verdict] of [[0, 'verified'], [1, 'no-fix']] as const) {
    run.addCandidate({ index, apply: { status: 'clean', files: [`f${index}`] }, diff: `+${index}`, fixed: [], broken: [], verdict, group: null, rank: null });
    run.changes.set(index, [{ path: `f${index}`, before: big, after: `${big}${index}` }]);
  }
  const back = fromStoredRun(toStoredRun(run), 2);
  assert.equal(back.filesOf(0)[0].after, `${big}0`);
  assert.throws(() => back.filesOf(1), /candidate 2 were not kept in the run history/);
});

test('an unreadable history: a clear message and an empty list, the file set aside; an unreadable run: a clear error', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'index.json'), '{"version": 1, "runs": [{"id": "../x"');
    const history = new RunHistory(dir);
    const { entries, problem } = await history.list();
    assert.deepEqual(entries, []);
    assert.match(problem ?? '', /unreadable .* starts empty; the old file was kept as .*index\.json\.corrupt/);
    assert.ok(existsSync(join(dir, 'index.json.corrupt')));
    // It goes on: the next run is stored into a fresh history.
    const run = new RunState(1, '/repo', 1);
    run.phase = 'cancelled';
    await history.save(toStoredRun(run));
    assert.equal((await history.list()).entries.length, 1);
    const id = toStoredRun(run).id;
    writeFileSync(join(dir, `${id}.json`), '{"version": 1, "id": 3}');
    await assert.rejects(history.load(id), (err: Error & { code?: string }) => err.code === 'bad_history' && /unreadable/.test(err.message));
    assert.ok(existsSync(join(dir, `${id}.json.corrupt`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the history names a run by the issue\'s first line', () => {
  assert.equal(issueTitle('\n# Crash on empty input\n\nDetails…'), 'Crash on empty input');
  assert.equal(issueTitle('x'.repeat(100)).length, 80);
  assert.equal(issueTitle('   '), '(no issue text)');
});
