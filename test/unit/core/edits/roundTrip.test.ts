// Random files and random edits (seeded): applying a SEARCH/REPLACE block must give what a plain
// splice of the lines gives, and the unified diff we report, parsed back by our own diff parser and
// applied to the original, must give the same files again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEditsToTexts } from '../../../../src/core/edits/applyEdits';
import { parseEdits } from '../../../../src/core/edits/parseEdits';
import { Prng } from '../../../../scripts/testModels/prng';

const words = ['alpha', 'beta', 'gamma', 'delta', 'return x;', '}', '{', '  if (a) {', '    b += 1;', '', '// note'];

function randomFile(rng: Prng): string[] {
  // Unique line numbers make every SEARCH unambiguous, so the splice reference is well defined.
  return Array.from({ length: 5 + rng.int(40) }, (_, i) => `${words[rng.int(words.length)]} /*${i}*/`);
}

test('SEARCH/REPLACE equals a plain splice, and the reported diff round-trips through the diff parser', async () => {
  const rng = new Prng(42);
  for (let round = 0; round < 300; round++) {
    const lines = randomFile(rng);
    const crlf = rng.next() < 0.3;
    const finalNewline = rng.next() < 0.8;
    const eol = crlf ? '\r\n' : '\n';
    const original = lines.join(eol) + (finalNewline ? eol : '');
    const start = rng.int(lines.length);
    const length = 1 + rng.int(Math.min(5, lines.length - start));
    const replacement = Array.from({ length: rng.int(4) }, () => `${words[rng.int(words.length)]} /*new ${rng.int(1000)}*/`);
    const spliced = [...lines.slice(0, start), ...replacement, ...lines.slice(start + length)];
    const expected = spliced.length === 0 ? '' : spliced.join(eol) + (finalNewline ? eol : '');

    const block = `src/f.txt\n<<<<<<< SEARCH\n${lines.slice(start, start + length).join('\n')}\n=======\n${replacement.map((l) => l + '\n').join('')}>>>>>>> REPLACE\n`;
    const read = async (p: string) => (p === 'src/f.txt' ? original : null);
    const r = await applyEditsToTexts(parseEdits(block).edits, read);
    assert.equal(r.status, 'clean', `round ${round}: ${r.reason}`);
    assert.equal(r.changes[0].after, expected, `round ${round}`);

    const back = parseEdits(r.diff);
    assert.equal(back.format, 'unifiedDiff');
    const again = await applyEditsToTexts(back.edits, read);
    assert.equal(again.status, 'clean', `round ${round}: ${again.reason}\n${r.diff}`);
    assert.equal(again.changes[0].after, expected, `round ${round}: diff round trip\n${r.diff}`);
  }
});
