import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEdits } from '../../../../src/core/edits/parseEdits';
import { HydrapatchError } from '../../../../src/protocol/errors';

test('search/replace block with the file name before a fenced block, prose around', () => {
  const text = [
    'The bug is in the sum. Here is the fix:',
    '',
    'src/math.js',
    '```js',
    '<<<<<<< SEARCH',
    '  return a - b;',
    '=======',
    '  return a + b;',
    '>>>>>>> REPLACE',
    '```',
    'That should do it.',
  ].join('\n');
  const p = parseEdits(text);
  assert.equal(p.format, 'searchReplace');
  assert.deepEqual(p.edits, [{ path: 'src/math.js', search: ['  return a - b;'], replace: ['  return a + b;'], format: 'searchReplace' }]);
});

test('file name on the fence line, decorated names, several blocks reusing the name, CRLF', () => {
  const text = [
    '```python app/util.py',
    '<<<<<<< SEARCH',
    'x = 1',
    '=======',
    'x = 2',
    '>>>>>>> REPLACE',
    '<<<<<<< SEARCH',
    'y = 1',
    '=======',
    'y = 2',
    '>>>>>>> REPLACE',
    '```',
    '**`lib/other.py`**:',
    '<<<<<<< SEARCH',
    '=======',
    'print("new")',
    '>>>>>>> REPLACE',
  ].join('\r\n');
  const p = parseEdits(text);
  assert.deepEqual(p.edits.map((e) => [e.path, e.search, e.replace]), [
    ['app/util.py', ['x = 1'], ['x = 2']],
    ['app/util.py', ['y = 1'], ['y = 2']],
    ['lib/other.py', [], ['print("new")']],
  ]);
});

test('file name as the first line inside the fence', () => {
  const text = 'Change this:\n```\nlib/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n';
  assert.deepEqual(parseEdits(text).edits.map((e) => e.path), ['lib/a.py']);
});

test('a file name in prose before the block; prose that names no file is not taken for one', () => {
  const block = '<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n';
  assert.deepEqual(parseEdits('In `lib/a.py`, change the constant:\n' + block).edits.map((e) => e.path), ['lib/a.py']);
  assert.deepEqual(parseEdits('Update lib/b.py:\n' + block).edits.map((e) => e.path), ['lib/b.py']);
  const noName = parseEdits('Here is the fix.\n' + block);
  assert.equal(noName.edits.length, 0);
  assert.match(noName.warnings.join(' '), /no file name/);
});

test('a block restated later is applied once', () => {
  const block = 'a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n';
  const p = parseEdits(block + '\nSo the final change is:\n\n' + block);
  assert.equal(p.edits.length, 1);
  assert.match(p.warnings.join(' '), /repeated/);
});

test('unterminated blocks are skipped with a warning; prose alone gives no edits', () => {
  const p = parseEdits('a.js\n<<<<<<< SEARCH\nfoo\n=======\nbar\n');
  assert.equal(p.edits.length, 0);
  assert.equal(p.warnings.length, 1);
  const prose = parseEdits('I think the problem is in the parser, you should check the loop.');
  assert.equal(prose.format, 'none');
  assert.deepEqual(prose.edits, []);
});

test('git diff with a/ b/ prefixes, two hunks, wrong counts, a blank context line without its space', () => {
  const text = [
    'Here is a patch:',
    '```diff',
    'diff --git a/src/m.js b/src/m.js',
    'index 123..456 100644',
    '--- a/src/m.js',
    '+++ b/src/m.js',
    '@@ -1,3 +1,3 @@',
    ' function add(a, b) {',
    '-  return a - b;',
    '+  return a + b;',
    '',
    ' }',
    '@@ -40,99 +40,99 @@ function mul',
    '-  return a / b;',
    '+  return a * b;',
    '```',
  ].join('\n');
  const p = parseEdits(text);
  assert.equal(p.format, 'unifiedDiff');
  assert.equal(p.edits.length, 2);
  assert.deepEqual(p.edits[0].search, ['function add(a, b) {', '  return a - b;', '', '}']);
  assert.deepEqual(p.edits[0].replace, ['function add(a, b) {', '  return a + b;', '', '}']);
  assert.equal(p.edits[0].lineHint, 1);
  assert.deepEqual([p.edits[1].search, p.edits[1].replace, p.edits[1].lineHint], [['  return a / b;'], ['  return a * b;'], 40]);
});

test('context lines without their leading space; prose after the diff is not context; empty hunks skipped', () => {
  const text = [
    '--- a/m.js',
    '+++ b/m.js',
    '@@ -1,3 +1,3 @@',
    'function add(a, b) {',
    '-  return a - b;',
    '+  return a + b;',
    '}',
    'This fixes the sign.',
    '--- a/n.js',
    '+++ b/n.js',
    '@@ -1 +1 @@',
    '```',
  ].join('\n');
  const p = parseEdits(text);
  assert.deepEqual(p.edits.map((e) => [e.path, e.search, e.replace]), [['m.js', ['function add(a, b) {', '  return a - b;'], ['function add(a, b) {', '  return a + b;']]]);
  assert.match(p.warnings.join(' '), /empty hunk for n\.js/);
});

test('diff -u without prefixes and with timestamps; new and deleted files', () => {
  const text = [
    '--- util.py\t2024-01-01 10:00:00.000000000 +0000',
    '+++ util.py\t2024-01-02 10:00:00.000000000 +0000',
    '@@ @@',
    '-x = 1',
    '+x = 2',
    '--- /dev/null',
    '+++ b/new/file.txt',
    '@@ -0,0 +1,2 @@',
    '+hello',
    '+world',
    '--- a/gone.txt',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-bye',
  ].join('\n');
  const p = parseEdits(text);
  assert.deepEqual(p.edits.map((e) => [e.path, e.search, e.replace, e.deleteFile ?? false]), [
    ['util.py', ['x = 1'], ['x = 2'], false],
    ['new/file.txt', [], ['hello', 'world'], false],
    ['gone.txt', ['bye'], [], true],
  ]);
});

test('a 50 MB sample is refused by its length alone, and NUL content is refused', () => {
  const huge = 'a.js\n<<<<<<< SEARCH\n' + 'x'.repeat(50 * 1024 * 1024);
  assert.throws(() => parseEdits(huge), (e: unknown) => e instanceof HydrapatchError && e.code === 'too_large');
  assert.throws(() => parseEdits('a.bin\n<<<<<<< SEARCH\n=======\n\0\x01\n>>>>>>> REPLACE\n'), (e: unknown) => e instanceof HydrapatchError && e.code === 'binary');
});
