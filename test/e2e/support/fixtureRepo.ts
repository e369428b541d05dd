// A real git repository with a real bug and a failing node:test test, made fresh in a temp folder for
// each end-to-end run, plus the raw model outputs the stand-in model replays for it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUGGY_LINE = '  return a - b;';
export const FIXED_LINE = '  return a + b;';

export const ISSUE = `add() returns the difference instead of the sum

\`add(2, 3)\` in src/math.js gives -1; it should give 5. The test "add sums two numbers" fails.`;

export const README_LINE = '`add(a, b)` and `mul(a, b)` for numbers.';

const files: Record<string, string> = {
  'README.md': `# fixture-math\n\n${README_LINE}\n`,
  'package.json': '{ "name": "fixture-math", "private": true, "scripts": { "test": "node --test" } }\n',
  'src/math.js': `function add(a, b) {\n${BUGGY_LINE}\n}\n\nfunction mul(a, b) {\n  return a * b;\n}\n\nmodule.exports = { add, mul };\n`,
  'test/math.test.js': `const test = require('node:test');
const assert = require('node:assert');
const { add, mul } = require('../src/math.js');

test('add sums two numbers', () => {
  assert.strictEqual(add(2, 3), 5);
});

test('mul multiplies two numbers', () => {
  assert.strictEqual(mul(2, 3), 6);
});
`,
};

function commitAll(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.invalid', 'add', '.');
  git('-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.invalid', 'commit', '-q', '-m', 'fixture with a bug');
}

export function makeFixtureRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hp-e2e-repo-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  commitAll(dir);
  return dir;
}

/** The demo's example repository (examples/cart), the one the bundled demo model writes fixes for. */
export function makeCartRepo(repoRoot: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hp-e2e-cart-'));
  cpSync(join(repoRoot, 'examples', 'cart'), dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  commitAll(dir);
  return dir;
}

const block = (search: string, replace: string, prose = '', path = 'src/math.js') => `${prose}${path}
\`\`\`${path.endsWith('.js') ? 'js' : 'md'}
<<<<<<< SEARCH
${search}
=======
${replace}
>>>>>>> REPLACE
\`\`\`
`;

/**
 * What a model might write for ISSUE: the right fix (three times, once in other words), the fix with
 * the README updated too (two files), a fix that breaks mul, one that changes nothing useful, and an
 * edit that does not apply. Eight, so that every run of 8 samples gets each once whatever the order.
 */
export const RAW_OUTPUTS: string[] = [
  block(BUGGY_LINE, FIXED_LINE, 'The subtraction should be an addition.\n\n'),
  block(BUGGY_LINE, FIXED_LINE),
  block(BUGGY_LINE, '  return b + a;', 'Swap to addition:\n'),
  block('  return a * b;', '  return a + b;', 'Fix mul instead:\n'),
  block(BUGGY_LINE, '  return a - b; // sum', 'Add a comment.\n'),
  block('  return a / b;', FIXED_LINE),
  `${block(BUGGY_LINE, FIXED_LINE, 'Fix add and say what it returns:\n')}\n${block(README_LINE, '`add(a, b)` returns the sum of a and b, `mul(a, b)` their product.', '', 'README.md')}`,
  block(BUGGY_LINE, FIXED_LINE),
];
