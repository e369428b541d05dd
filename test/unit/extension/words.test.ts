// The panel's plain words: the model's explanation taken from a raw sample, and hints written for the
// CLI said for the editor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explanation } from '../../../src/extension/explanation';
import { forEditor } from '../../../src/extension/words';

test('explanation keeps the prose and drops fenced blocks, bare SEARCH/REPLACE blocks, diffs and their path lines', () => {
  const sample = [
    'The subtraction should be an addition.',
    '',
    'src/math.js',
    '```js',
    '<<<<<<< SEARCH',
    '  return a - b;',
    '=======',
    '  return a + b;',
    '>>>>>>> REPLACE',
    '```',
    'README.md',
    '<<<<<<< SEARCH',
    'old',
    '=======',
    'new',
    '>>>>>>> REPLACE',
    'Also the docs:',
    'diff --git a/x.js b/x.js',
    '--- a/x.js',
    '+++ b/x.js',
    '@@ -1 +1 @@',
    '-a',
    '+b',
    'That is all.',
  ].join('\n');
  assert.equal(explanation(sample), 'The subtraction should be an addition.\n\nAlso the docs:\nThat is all.');
  assert.equal(explanation('```diff\n-a\n+b\n```'), '');
  assert.equal(explanation('x'.repeat(3000)).length, 2001);
});

test('forEditor replaces hints that name CLI flags, and drops "(the CLI: …)" asides', () => {
  const known = forEditor({ code: 'baseline_failed', message: 'the tests did not finish', hint: 'Raise --timeout, or pass a narrower --test command.' });
  assert.match(known.hint ?? '', /hydrapatch\.testTimeoutSeconds/);
  const unknown = forEditor({ code: 'bad_option', message: 'bad', hint: 'pass --frobnicate 3' });
  assert.deepEqual(unknown, { code: 'bad_option', message: 'bad' });
  const aside = forEditor({ code: 'internal', message: 'no sandbox', hint: 'confirm it (the CLI: --yes-run-unsandboxed), or set hydrapatch.sandbox' });
  assert.equal(aside.hint, 'confirm it, or set hydrapatch.sandbox');
  assert.deepEqual(forEditor({ code: 'internal', message: 'plain', hint: 'Open Settings.' }), { code: 'internal', message: 'plain', hint: 'Open Settings.' });
});
