// Raw model outputs for the fixture repositories, written the way models write them, each with the
// outcome it must get (worked out by hand from the fixture's code and tests).
import type { ApplyStatus } from '../../../src/core/edits/editTypes';
import type { Verdict } from '../../../src/core/testing/types';

export interface FixtureSample {
  text: string;
  apply: ApplyStatus;
  verdict: Verdict;
  /** Samples with the same fix id must land in the same group. */
  fix?: string;
}

const sr = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

// lib/stats.js: mean() starts its loop at 1, so mean([1, 2, 3]) is 5/3; the test expects 2.
const jsLoopFix = sr('lib/stats.js', '  for (let i = 1; i < xs.length; i++) {', '  for (let i = 0; i < xs.length; i++) {');

export const jsSamples: FixtureSample[] = [
  { text: `The loop skips the first element. Here is the fix:\n\n\`\`\`js\n${jsLoopFix}\`\`\`\n`, apply: 'clean', verdict: 'verified', fix: 'loop' },
  { text: jsLoopFix, apply: 'clean', verdict: 'verified', fix: 'loop' },
  // The same fix as a unified diff with CRLF line endings.
  {
    text: [
      '--- a/lib/stats.js', '+++ b/lib/stats.js', '@@ -11,5 +11,5 @@ function mean(xs) {', "   if (xs.length === 0) throw new RangeError('mean of an empty list');",
      '   let total = 0;', '-  for (let i = 1; i < xs.length; i++) {', '+  for (let i = 0; i < xs.length; i++) {', '     total += xs[i];', '   }', '',
    ].join('\r\n'),
    apply: 'clean',
    verdict: 'verified',
    fix: 'loop',
  },
  // A different fix in different words: reuse sum().
  {
    text: sr('lib/stats.js', '  let total = 0;\n  for (let i = 1; i < xs.length; i++) {\n    total += xs[i];\n  }\n  return total / xs.length;', '  return sum(xs) / xs.length;'),
    apply: 'clean',
    verdict: 'verified',
    fix: 'sum',
  },
  // Same as the loop fix, but with the search block's indentation lost: applies only fuzzily.
  { text: sr('lib/stats.js', 'for (let i = 1; i < xs.length; i++) {', 'for (let i = 0; i < xs.length; i++) {'), apply: 'fuzzy', verdict: 'verified', fix: 'loop' },
  // Fixes mean but breaks sum.
  {
    text: jsLoopFix + '\n' + sr('lib/stats.js', '  for (const x of xs) total += x;', '  for (const x of xs.slice(1)) total += x;'),
    apply: 'clean',
    verdict: 'breaks',
  },
  // Edits code that does not exist.
  { text: sr('lib/stats.js', '  return xs.reduce((a, b) => a + b) / xs.length;', '  return xs.reduce((a, b) => a + b, 0) / xs.length;'), apply: 'failed', verdict: 'not-applied' },
  // Prose only.
  { text: 'The mean function is wrong because the loop starts at index 1. Start it at 0 instead.', apply: 'no-edits', verdict: 'not-applied' },
  // Applies, changes nothing that matters.
  { text: sr('lib/stats.js', "  if (xs.length === 0) throw new RangeError('mean of an empty list');", "  if (!xs.length) throw new RangeError('mean of an empty list');"), apply: 'clean', verdict: 'no-fix' },
  // A syntax error: every test of the file fails.
  { text: sr('lib/stats.js', '    total += xs[i];', '    total += xs[i]];'), apply: 'clean', verdict: 'breaks' },
];

// textutil.py: clamp() returns lo when x > hi; test_above expects hi.
const pyFix = sr('textutil.py', '    if x > hi:\n        return lo', '    if x > hi:\n        return hi');

export const pySamples: FixtureSample[] = [
  { text: `\`\`\`python\n${pyFix}\`\`\``, apply: 'clean', verdict: 'verified', fix: 'hi' },
  {
    text: ['```diff', '--- a/textutil.py', '+++ b/textutil.py', '@@ -7,5 +7,5 @@ def clamp(x, lo, hi):', '         return lo', '     if x > hi:', '-        return lo', '+        return hi', '     return x', '```', ''].join('\n'),
    apply: 'clean',
    verdict: 'verified',
    fix: 'hi',
  },
  {
    text: sr('textutil.py', '    if x < lo:\n        return lo\n    if x > hi:\n        return lo\n    return x', '    return min(max(x, lo), hi)'),
    apply: 'clean',
    verdict: 'verified',
    fix: 'minmax',
  },
  // Fixes clamp, breaks word_count.
  { text: pyFix + sr('textutil.py', '    return len(text.split())', '    return len(text.split(" "))'), apply: 'clean', verdict: 'breaks' },
  // Bad indentation inside the replacement: the module no longer imports, every test errors.
  { text: sr('textutil.py', '        return lo\n    return x', '        return hi\n      return x'), apply: 'clean', verdict: 'breaks' },
  // Edits code that does not exist.
  { text: sr('textutil.py', '    return max(lo, min(x, hi))', '    return min(max(x, lo), hi)'), apply: 'failed', verdict: 'not-applied' },
  { text: 'Sorry, I cannot help with that.', apply: 'no-edits', verdict: 'not-applied' },
  { text: sr('textutil.py', '    """Limit x to the range [lo, hi]."""', '    """Limit x to [lo, hi]."""'), apply: 'clean', verdict: 'no-fix' },
];
