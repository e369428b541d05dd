import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatherContext } from '../../../../src/core/context/gatherContext';
import { listRepoPaths } from '../../../../src/core/context/listFiles';
import { estimateTokens } from '../../../../src/core/context/tokens';

function makeRepo(files: Record<string, string | Buffer>, commit: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hp-ctx-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', ...commit);
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'init');
  return dir;
}

const filler = (name: string, lines: number) => Array.from({ length: lines }, (_, i) => `export function ${name}${i}(x) { return x + ${i}; }`).join('\n') + '\n';

const files: Record<string, string | Buffer> = {
  '.gitignore': 'ignored.js\n',
  'src/cart/total.js': 'function formatTotal(items) {\n  const sum = items.reduce((s, i) => s + i.price, 0);\n  return sum.toFixed(2);\n}\nmodule.exports = { formatTotal };\n',
  'src/cart/discount.js': 'function applyDiscount(total, pct) {\n  return total * (1 - pct / 100);\n}\nmodule.exports = { applyDiscount };\n',
  'src/big.js': filler('helper', 400),
  'src/users.js': 'class UserStore {\n  find(id) {\n    return null;\n  }\n}\nmodule.exports = { UserStore };\n',
  'test/total.test.js': "const { formatTotal } = require('../src/cart/total');\n",
  'node_modules/lib/index.js': 'function formatTotal() {}\n',
  'package-lock.json': '{}\n',
  'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]),
  'data.txt': Buffer.from('text\0with nul'),
  'new_untracked.js': 'function formatTotalTwo() {}\n',
  'ignored.js': 'function formatTotal() {}\n',
};

test('files come from git (tracked + untracked-not-ignored), without vendored, generated or binary files', async () => {
  const dir = makeRepo(files, ['.gitignore', 'src', 'test', 'package-lock.json', 'logo.png', 'data.txt']);
  const paths = await listRepoPaths(join(dir, 'src'));
  assert.deepEqual(paths, ['.gitignore', 'data.txt', 'new_untracked.js', 'src/big.js', 'src/cart/discount.js', 'src/cart/total.js', 'src/users.js', 'test/total.test.js']);
  // An ambient GIT_DIR (set when running from a git hook) must not redirect the listing.
  const other = makeRepo({ 'elsewhere.py': 'x = 1\n' }, ['elsewhere.py']);
  process.env.GIT_DIR = join(other, '.git');
  try {
    assert.deepEqual(await listRepoPaths(dir), paths);
  } finally {
    delete process.env.GIT_DIR;
  }
});

test('a stack trace puts its file first; the budget is kept; a big file is cut to an excerpt around the frame', async () => {
  const dir = makeRepo(files, ['.gitignore', 'src', 'test']);
  const issue = `formatTotal crashes on an empty cart

TypeError: Cannot read properties of undefined (reading 'price')
    at /home/ci/shop/src/cart/total.js:2:47
    at Array.reduce (<anonymous>)
    at formatTotal (/home/ci/shop/src/cart/total.js:2:21)
    at helper350 (/home/ci/shop/src/big.js:351:10)
`;
  const budget = 700;
  const ctx = await gatherContext({ repoDir: dir, issueText: issue, budgetTokens: budget });
  assert.equal(ctx.files[0].path, 'src/cart/total.js');
  assert.equal(ctx.files[0].excerpt, undefined);
  assert.match(ctx.files[0].reasons.join(' '), /stack trace line 2/);
  const big = ctx.files.find((f) => f.path === 'src/big.js');
  assert.ok(big?.excerpt, 'big.js shown as an excerpt');
  assert.ok(big.excerpt.startLine <= 351 && big.excerpt.endLine >= 351);
  assert.ok(big.text.includes('export function helper350(x)'));
  assert.ok(ctx.tokens <= budget);
  const counted = estimateTokens(ctx.repoMap) + ctx.files.reduce((s, f) => s + estimateTokens(f.text) + 12, 0);
  assert.equal(counted, ctx.tokens);
  assert.match(ctx.repoMap, /src\/cart\/total\.js:\n {2}function formatTotal\(items\)/);
  assert.ok(!ctx.repoMap.includes('node_modules'));
});

test('without a trace, identifiers and words choose the files; a real token counter can be passed', async () => {
  const dir = makeRepo(files, ['.gitignore', 'src', 'test']);
  const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
  const ctx = await gatherContext({ repoDir: dir, issueText: '`applyDiscount` gives a negative total when the discount is over 100 percent', budgetTokens: 300, countTokens: words });
  assert.equal(ctx.files[0].path, 'src/cart/discount.js');
  assert.match(ctx.files[0].reasons.join(' '), /defines applyDiscount/);
  await assert.rejects(gatherContext({ repoDir: dir, issueText: 'x', budgetTokens: 0 }), /budget/);
  // A file holding the issue itself is not shown again.
  const issueFile = makeRepo({ 'ISSUE.md': '# applyDiscount is wrong\r\n', 'src/d.js': 'function applyDiscount() {}\n' }, ['ISSUE.md', 'src']);
  const withIssue = await gatherContext({ repoDir: issueFile, issueText: '# applyDiscount is wrong\n', budgetTokens: 300 });
  assert.deepEqual(withIssue.files.map((f) => f.path), ['src/d.js']);
  await assert.rejects(gatherContext({ repoDir: tmpdir(), issueText: 'x', budgetTokens: 100 }), /git repository/);
});
