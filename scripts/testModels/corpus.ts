// Training text for the generated vocabularies: some English, some code, and seeded pseudo-words, so
// that merges look like a real tokenizer's (common words and indentation become single tokens).
import { Prng } from './prng';

const english = `The quick brown fox jumps over the lazy dog. A model that reads code must also read prose:
issues describe what went wrong, and tests say what should happen instead. When the test fails, the
patch is wrong; when it passes, the patch may still be wrong, but it is a better candidate than most.
We sample many patches, apply each in its own worktree, and let the project's tests decide. Numbers
like 1, 42, 2024 and 3.14159 appear too, as do names such as Alice, Bob and the Hydrapatch server.`;

const code = `function add(a, b) {
    return a + b;
}

export class Counter {
  private count = 0;
  increment(): number {
    this.count += 1;
    return this.count;
  }
}

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

for (let i = 0; i < items.length; i++) {
\tconsole.log(items[i]);
}
if (x === null || y !== undefined) { throw new Error("bad input: " + x); }
const config = { "name": "hydrapatch", "version": "0.1.0", "private": true };
`;

export function trainingCorpus(seed: number): string {
  const rng = new Prng(seed);
  const onsets = ['', 'b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'st', 'tr', 'ch', 'sh', 'th'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou', 'ee'];
  const codas = ['', '', 'n', 'r', 's', 't', 'l', 'ng', 'st'];
  const words: string[] = [];
  for (let i = 0; i < 1500; i++) {
    let w = '';
    const syllables = 1 + rng.int(3);
    for (let s = 0; s < syllables; s++) w += onsets[rng.int(onsets.length)] + vowels[rng.int(vowels.length)] + codas[rng.int(codas.length)];
    words.push(w);
  }
  const parts: string[] = [english.repeat(3), code.repeat(3)];
  // Zipf-like use: early words are frequent, so they become whole tokens first.
  for (let i = 0; i < 12000; i++) {
    const w = words[Math.floor(words.length * rng.next() ** 3)];
    parts.push(rng.next() < 0.1 ? w[0].toUpperCase() + w.slice(1) : w);
    parts.push(rng.next() < 0.08 ? '.\n' : ' ');
  }
  return parts.join('');
}
