// The user's steering of the context on a real git repository: a pinned file is sent even when it ranks
// low (or not at all), an excluded one never (nor in the map), the budget holds, and a pinned file
// that is gone or does not fit is reported with what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatherContext } from '../../../../src/core/context/gatherContext';
import { estimateTokens } from '../../../../src/core/context/tokens';

const filler = (name: string, lines: number) => Array.from({ length: lines }, (_, i) => `export function ${name}${i}(x) { return x * ${i}; }`).join('\n') + '\n';

const files: Record<string, string> = {
  'src/cart/total.js': 'function formatTotal(items) {\n  const sum = items.reduce((s, i) => s + i.price, 0);\n  return sum.toFixed(2);\n}\nmodule.exports = { formatTotal };\n',
  'src/cart/discount.js': 'function applyDiscount(total, pct) {\n  return total * (1 - pct / 100);\n}\nmodule.exports = { applyDiscount };\n',
  'src/money/round.js': 'function roundCents(x) {\n  return Math.round(x * 100) / 100;\n}\nmodule.exports = { roundCents };\n',
  'src/big.js': filler('helper', 300),
  'docs/notes.md': 'Release notes. Nothing about carts.\n',
};

function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hp-pin-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'init');
  return dir;
}

const issue = 'formatTotal in src/cart/total.js shows 10.1 for a cart of 10.10';

test('a pinned file is sent though it ranks low; an excluded one is never sent nor mapped; the budget holds', async (t) => {
  const dir = makeRepo();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = await gatherContext({ repoDir: dir, issueText: issue, budgetTokens: 2000, maxFiles: 1 });
  assert.deepEqual(plain.files.map((f) => f.path), ['src/cart/total.js']);
  assert.ok(plain.ranking.findIndex((r) => r.path === 'src/money/round.js') !== 0, 'round.js shares little with the issue');

  const steered = await gatherContext({ repoDir: dir, issueText: issue, budgetTokens: 2000, maxFiles: 1, pinned: ['./src/money/round.js'], excluded: ['src/cart/total.js'] });
  assert.equal(steered.files[0].path, 'src/money/round.js', 'pinned files come first');
  assert.equal(steered.files[0].pinned, true);
  assert.equal(steered.files[0].reasons[0], 'pinned by you');
  assert.equal(steered.files[0].text, files['src/money/round.js']);
  assert.equal(steered.files.length, 2, 'the pinned file comes on top of the ranked ones (maxFiles 1)');
  assert.notEqual(steered.files[1].pinned, true);
  assert.ok(!steered.files.some((f) => f.path === 'src/cart/total.js'), 'an excluded file is never sent');
  assert.ok(!steered.ranking.some((r) => r.path === 'src/cart/total.js'));
  assert.ok(!steered.repoMap.includes('src/cart/total.js'), 'nor shown in the repository map');
  assert.ok(!steered.repoMap.includes('formatTotal'));
  assert.deepEqual(steered.dropped, []);
  const counted = estimateTokens(steered.repoMap) + steered.files.reduce((s, f) => s + estimateTokens(f.text) + 12, 0);
  assert.equal(steered.tokens, counted);
  assert.ok(steered.tokens <= 2000);
});

test('a pinned file takes the budget before better-ranked ones, cut to an excerpt when it does not fit whole', async (t) => {
  const dir = makeRepo();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const budget = 400;
  const ctx = await gatherContext({ repoDir: dir, issueText: `${issue}; helper250 is fine`, budgetTokens: budget, pinned: ['src/big.js'] });
  assert.notEqual(ctx.ranking[0].path, 'src/big.js', 'the issue points at total.js first');
  const big = ctx.files[0];
  assert.equal(big.path, 'src/big.js');
  assert.ok(big.excerpt, 'big.js (≈ 4,000 tokens) cannot fit 400 whole');
  assert.ok(big.excerpt.startLine <= 251 && big.excerpt.endLine >= 251, 'the excerpt is centred on what the issue names');
  assert.ok(ctx.tokens <= budget, `${ctx.tokens} tokens over the ${budget} budget`);
  assert.deepEqual(ctx.dropped, []);
});

test('a pinned file that does not fit, is gone, or is not a repository text file is reported; pinned and excluded at once is refused', async (t) => {
  const dir = makeRepo();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, '.gitignore'), 'secret.env\n');
  writeFileSync(join(dir, 'secret.env'), 'TOKEN=x\n');
  const ctx = await gatherContext({ repoDir: dir, issueText: issue, budgetTokens: 2000, pinned: ['src/old/total.js', 'secret.env', 'src/cart/discount.js'] });
  assert.deepEqual(ctx.files.filter((f) => f.pinned).map((f) => f.path), ['src/cart/discount.js']);
  assert.deepEqual(ctx.dropped.map((d) => d.path), ['src/old/total.js', 'secret.env']);
  assert.match(ctx.dropped[0].reason, /no longer in the repository.*unpin it/);
  assert.match(ctx.dropped[1].reason, /ignored by git/);
  assert.ok(!ctx.files.some((f) => f.path === 'secret.env'));

  // Two pinned files where the budget holds only one (the map takes its share first).
  const tight = await gatherContext({ repoDir: dir, issueText: issue, budgetTokens: 90, pinned: ['src/cart/discount.js', 'src/money/round.js', 'src/cart/total.js'] });
  assert.ok(tight.tokens <= 90);
  assert.ok(tight.dropped.length >= 1, 'something must not fit 90 tokens');
  for (const d of tight.dropped) assert.match(d.reason, /does not fit in what is left of the 90-token context budget/);
  assert.deepEqual([...tight.files.map((f) => f.path), ...tight.dropped.map((d) => d.path)].sort(), ['src/cart/discount.js', 'src/cart/total.js', 'src/money/round.js']);

  await assert.rejects(gatherContext({ repoDir: dir, issueText: issue, budgetTokens: 2000, pinned: ['src/big.js'], excluded: ['./src/big.js'] }), /both pinned and excluded/);
});
