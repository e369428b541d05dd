// The events an editor builds on. What it applies: each candidate's files as in the snapshot it was
// tested on, never as the user's tree is when the candidate arrives (an edit made during the run must
// not become the base). What it shows: the context that went into the prompt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo } from '../../helpers/gitRepo';
import { solve } from '../../../src/core/pipeline/solve';
import type { FileChange } from '../../../src/core/edits/editTypes';
import type { ContextSummary } from '../../../src/core/pipeline/types';
import { bug, files, solveOptions, sr } from './addFixture';

test('onCandidateFiles gives the snapshot as "before" though the user edits the file during the run; onContext names the files sent', async () => {
  const repo = makeRepo(files);
  try {
    const userEdit = `// the user's note, typed while the samples were drawn\n${bug}\n`;
    const seen = new Map<number, FileChange[]>();
    let context: ContextSummary | undefined;
    const texts = [sr('exports.add = (a, b) => a + b;'), 'no edit here', sr('exports.add = (a, b) => b + a;')];
    const result = await solve(solveOptions(repo.dir, texts, { runTests: false }), {
      // The snapshot is taken before sampling starts; the user's edit lands after it, before any candidate.
      onPhase: (phase) => phase === 'sampling' && writeFileSync(join(repo.dir, 'lib.js'), userEdit),
      onCandidateFiles: (index, changes) => seen.set(index, changes),
      onContext: (c) => (context = c),
    }, new AbortController().signal);
    assert.equal(readFileSync(join(repo.dir, 'lib.js'), 'utf8'), userEdit, 'the user\'s file is theirs');
    assert.deepEqual([...seen.keys()].sort(), [0, 2], 'only applied candidates have files');
    assert.deepEqual(seen.get(0), [{ path: 'lib.js', before: `${bug}\n`, after: 'exports.add = (a, b) => a + b;\n' }]);
    assert.deepEqual(seen.get(2), [{ path: 'lib.js', before: `${bug}\n`, after: 'exports.add = (a, b) => b + a;\n' }]);
    // The files are not in the result (reports stay small); the diff still is.
    assert.ok(result.candidates.every((c) => !('changes' in c)));
    assert.ok(context, 'no onContext');
    assert.deepEqual(context.files.map((f) => f.path).sort(), ['lib.js', 'lib.test.js']);
    assert.ok(context.files.every((f) => f.reasons.length > 0), 'each file says why it was chosen');
    assert.equal(context.budgetTokens, 2000);
    assert.ok(context.tokens > 0 && context.tokens <= context.budgetTokens, `tokens ${context.tokens}`);
    assert.match(result.candidates[0].diff, /\+exports\.add = \(a, b\) => a \+ b;/);
  } finally {
    repo.cleanup();
  }
});
