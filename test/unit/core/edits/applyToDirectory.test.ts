import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, symlinkSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySampleToDirectory } from '../../../helpers/applySample';

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hp-edits-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const sr = (path: string, search: string, replace: string) =>
  `${path}\n<<<<<<< SEARCH\n${search}=======\n${replace}>>>>>>> REPLACE\n`;

/** The produced diff, applied by git to a pristine copy, must give the same files (independent check). */
function assertGitAgrees(original: Record<string, string>, diff: string, edited: string, paths: string[]) {
  const copy = repo(original);
  execFileSync('git', ['init', '-q'], { cwd: copy });
  writeFileSync(join(copy, 'p.diff'), diff);
  execFileSync('git', ['apply', '--whitespace=nowarn', 'p.diff'], { cwd: copy });
  for (const p of paths) {
    const a = existsSync(join(copy, p)) ? readFileSync(join(copy, p), 'utf8') : null;
    const b = existsSync(join(edited, p)) ? readFileSync(join(edited, p), 'utf8') : null;
    assert.equal(a, b, `git apply and our apply differ on ${p}`);
  }
  rmSync(copy, { recursive: true, force: true });
}

test('exact match applies clean; the diff it reports is what git applies', async () => {
  const files = { 'src/m.js': 'function add(a, b) {\n  return a - b;\n}\nmodule.exports = { add };\n' };
  const dir = repo(files);
  const r = await applySampleToDirectory(dir, 'Fix:\n' + sr('src/m.js', '  return a - b;\n', '  return a + b;\n'));
  assert.equal(r.status, 'clean');
  assert.equal(readFileSync(join(dir, 'src/m.js'), 'utf8'), 'function add(a, b) {\n  return a + b;\n}\nmodule.exports = { add };\n');
  assertGitAgrees(files, r.diff, dir, ['src/m.js']);
});

test('whitespace-tolerant match: wrong indentation is re-indented and reported as fuzzy', async () => {
  const files = { 'a.py': 'def f(x):\n    if x:\n        return 1\n    return 0\n' };
  const dir = repo(files);
  const r = await applySampleToDirectory(dir, sr('a.py', 'if x:\n    return 1\n', 'if x is not None:\n    return 1\n'));
  assert.equal(r.status, 'fuzzy');
  assert.match(r.reason ?? '', /indentation/);
  assert.equal(readFileSync(join(dir, 'a.py'), 'utf8'), 'def f(x):\n    if x is not None:\n        return 1\n    return 0\n');
  assertGitAgrees(files, r.diff, dir, ['a.py']);
});

test('CRLF file and missing final newline are preserved', async () => {
  const files = { 'w.txt': 'one\r\ntwo\r\nthree' };
  const dir = repo(files);
  const r = await applySampleToDirectory(dir, sr('w.txt', 'two\n', 'TWO\n'));
  assert.equal(r.status, 'clean');
  assert.equal(readFileSync(join(dir, 'w.txt'), 'utf8'), 'one\r\nTWO\r\nthree');
  assertGitAgrees(files, r.diff, dir, ['w.txt']);
});

test('unified diff with fuzzy header and a new file; creation with empty SEARCH', async () => {
  const files = { 'lib/x.js': 'a\nb\nc\nd\ne\n' };
  const dir = repo(files);
  const diff = '--- a/lib/x.js\n+++ b/lib/x.js\n@@ -10,3 +10,3 @@\n b\n-c\n+C\n d\n--- /dev/null\n+++ b/lib/new.js\n@@ -0,0 +1 @@\n+created\n';
  const r = await applySampleToDirectory(dir, diff);
  assert.equal(r.status, 'clean');
  assert.equal(readFileSync(join(dir, 'lib/x.js'), 'utf8'), 'a\nb\nC\nd\ne\n');
  assert.equal(readFileSync(join(dir, 'lib/new.js'), 'utf8'), 'created\n');
  assertGitAgrees(files, r.diff, dir, ['lib/x.js', 'lib/new.js']);
});

test('a deleted file, and the git diff of a created and a deleted file', async () => {
  const files = { 'old.txt': 'bye\n', 'keep.txt': 'k\n' };
  const dir = repo(files);
  const r = await applySampleToDirectory(dir, '--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hi\n');
  assert.equal(r.status, 'clean');
  assert.ok(!existsSync(join(dir, 'old.txt')));
  assert.match(r.diff, /--- a\/old\.txt\n\+\+\+ \/dev\/null\n@@ -1 \+0,0 @@/);
  assert.match(r.diff, /--- \/dev\/null\n\+\+\+ b\/new\.txt\n@@ -0,0 \+1 @@/);
  assertGitAgrees(files, r.diff, dir, ['old.txt', 'new.txt', 'keep.txt']);
});

test('all or nothing: one failing block leaves every file untouched, with the reason', async () => {
  const files = { 'a.js': 'x\n', 'b.js': 'y\n' };
  const dir = repo(files);
  const r = await applySampleToDirectory(dir, sr('a.js', 'x\n', 'X\n') + sr('b.js', 'not there\n', 'z\n'));
  assert.equal(r.status, 'failed');
  assert.equal(r.failure, 'no_match');
  assert.match(r.reason ?? '', /b\.js/);
  assert.equal(readFileSync(join(dir, 'a.js'), 'utf8'), 'x\n');
  const missing = await applySampleToDirectory(dir, sr('nope.js', 'x\n', 'y\n'));
  assert.equal(missing.failure, 'missing_file');
  const prose = await applySampleToDirectory(dir, 'Sorry, I cannot help with that.');
  assert.equal(prose.failure, 'no_edits');
  assert.equal(prose.status, 'no-edits');
});

test('hostile paths are refused and nothing outside the directory changes', async () => {
  const outside = repo({ 'victim.txt': 'safe\n' });
  const dir = repo({ 'a.js': 'x\n', '.git/config': '[core]\n' });
  symlinkSync(outside, join(dir, 'link'));
  symlinkSync(join(outside, 'victim.txt'), join(dir, 'file-link.txt'));
  symlinkSync(join(outside, 'ghost.txt'), join(dir, 'dangling.txt'));
  const cases = [
    sr('../victim.txt', 'safe\n', 'owned\n'),
    sr('sub/../../victim.txt', 'safe\n', 'owned\n'),
    sr(join(outside, 'victim.txt'), 'safe\n', 'owned\n'),
    sr('.git/config', '[core]\n', '[core]\n\thooksPath = /tmp\n'),
    sr('.git/hooks/pre-commit', '', 'rm -rf /\n'),
    sr('link/victim.txt', 'safe\n', 'owned\n'),
    sr('link/new.txt', '', 'owned\n'),
    sr('file-link.txt', 'safe\n', 'owned\n'),
    sr('dangling.txt', '', 'owned\n'),
    '--- a/../victim.txt\n+++ b/../victim.txt\n@@ -1 +1 @@\n-safe\n+owned\n',
  ];
  for (const c of cases) {
    const r = await applySampleToDirectory(dir, c);
    assert.equal(r.status, 'refused', c);
    assert.equal(r.failure, 'unsafe_path', c);
  }
  assert.equal(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'safe\n');
  assert.ok(!existsSync(join(outside, 'new.txt')) && !existsSync(join(outside, 'ghost.txt')));
  assert.equal(readFileSync(join(dir, '.git/config'), 'utf8'), '[core]\n');
  assert.ok(!existsSync(join(dir, '.git/hooks')));
});

test('binary content and binary files are refused', async () => {
  const dir = repo({ 'img.bin': 'PNG\0\x01data\n' });
  const r1 = await applySampleToDirectory(dir, sr('x.txt', '', 'a\0b\n'));
  assert.equal(r1.failure, 'binary');
  assert.equal(r1.status, 'refused');
  const r2 = await applySampleToDirectory(dir, sr('img.bin', 'PNG\n', 'JPG\n'));
  assert.equal(r2.failure, 'binary');
  const big = await applySampleToDirectory(dir, sr('x.txt', '', 'a'.repeat(2_000_000) + '\n'));
  assert.equal(big.failure, 'too_large');
});

// A hang fails by the test's timeout; nothing here measures speed.
test('hostile shapes finish: a huge line before a block, a long header, quadratic SEARCH, too many edits', { timeout: 60_000 }, async () => {
  const dir = repo({ 'same.txt': 'a\n'.repeat(200_000) });
  const longName = await applySampleToDirectory(dir, 'x'.repeat(900_000) + '\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n');
  assert.equal(longName.failure, 'no_edits');
  const longHeader = await applySampleToDirectory(dir, '--- ' + ' '.repeat(900_000) + 'x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n');
  assert.equal(longHeader.status, 'failed');
  const quadratic = await applySampleToDirectory(dir, 'same.txt\n<<<<<<< SEARCH\n' + 'a\n'.repeat(150_000) + 'b\n=======\nc\n>>>>>>> REPLACE\n');
  assert.equal(quadratic.failure, 'too_large');
  let counter = 0;
  const many = await applySampleToDirectory(dir, 'same.txt\n' + '<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n'.repeat(1001).replace(/b\n>>>/g, () => `b${(counter += 1)}\n>>>`));
  assert.equal(many.failure, 'too_large');
  assert.equal(readFileSync(join(dir, 'same.txt'), 'utf8'), 'a\n'.repeat(200_000));
});
