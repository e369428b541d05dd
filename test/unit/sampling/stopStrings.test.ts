// Stop strings checked as the text grows (a short window decoded per token) against the naive check
// that decodes the whole sequence after every token, on random token streams of real tokenizers
// (byte-level BPE and SPM with byte fallback, GGUF and Hugging Face copies, and the HF copy with
// clean_up_tokenization_spaces, whose decode changes earlier text): stop strings split across tokens,
// characters split across byte tokens, invalid bytes in between.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../../server/src/model/load';
import type { Tokenizer } from '../../../server/src/model/types';
import { findStop, StopScanner } from '../../../server/src/sampling/stopStrings';
import { Prng } from '../../../scripts/testModels/prng';
import { testModel } from '../../helpers/models';

const REPLACEMENT = '\uFFFD';
/** Pieces of text the streams are made of: ASCII, two-, three- and four-byte characters, a combining mark, what HF's clean-up rewrites. */
const PIECES = ['a', 'b', 'ab', ' ', 'x y', '\n', 'stop', 'é', '€', '日本', '😀', 'e\u0301', '->', '.', 'def ', ' ,', "'s", " n't", ' ?'];

/** The naive check: decode the whole sequence after each token. The step (tokens read) and the text before the stop. */
function naiveStop(tokenizer: Tokenizer, tokens: number[], stop: string[]): { step: number; text: string } | undefined {
  for (let k = 1; k <= tokens.length; k++) {
    const text = tokenizer.decode(tokens.slice(0, k));
    const at = findStop(text, stop);
    if (at >= 0) return { step: k, text: text.slice(0, at) };
  }
  return undefined;
}

function scannedStop(tokenizer: Tokenizer, tokens: number[], stop: string[]): { step: number; text: string } | undefined {
  const scanner = new StopScanner(tokenizer, stop);
  for (let k = 1; k <= tokens.length; k++) {
    const text = scanner.push(tokens.slice(0, k));
    if (text !== undefined) return { step: k, text };
  }
  return undefined;
}

/** Encoded random text with random vocabulary tokens (byte tokens, control tokens, anything) mixed in. */
function randomStream(tokenizer: Tokenizer, rng: Prng): number[] {
  const tokens: number[] = [];
  const parts = 4 + rng.int(12);
  for (let i = 0; i < parts; i++) {
    if (rng.next() < 0.3) {
      for (let j = 1 + rng.int(3); j > 0; j--) tokens.push(rng.int(tokenizer.vocabSize));
    } else {
      let text = '';
      for (let j = 1 + rng.int(4); j > 0; j--) text += PIECES[rng.int(PIECES.length)];
      tokens.push(...tokenizer.encode(text, { addBos: false }));
    }
  }
  return tokens;
}

/** Stop strings taken from the stream's own text (so most are there, often across tokens) and one that is not. */
function randomStops(text: string, rng: Prng): string[] {
  const chars = [...text];
  const stops: string[] = [];
  for (let i = 1 + rng.int(2); i > 0 && chars.length > 0; i--) {
    const from = rng.int(chars.length);
    const s = chars.slice(from, from + 1 + rng.int(5)).join('');
    // A U+FFFD in the text may be a character not yet finished: the scanner waits for it, the naive check does not.
    if (!s.includes(REPLACEMENT)) stops.push(s);
  }
  stops.push('never in the text \u0000');
  return stops;
}

/** A copy of a Hugging Face folder whose tokenizer cleans up spaces before punctuation when it decodes. */
function withCleanUp(hfDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hydrapatch-cleanup-'));
  cpSync(hfDir, dir, { recursive: true });
  const config = join(dir, 'tokenizer_config.json');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), clean_up_tokenization_spaces: true }));
  return dir;
}

/** Whether some token changes text that an earlier prefix's decode showed (apart from an unfinished character). */
function rewrites(tokenizer: Tokenizer, tokens: number[]): boolean {
  let before = '';
  for (let k = 1; k <= tokens.length; k++) {
    const text = tokenizer.decode(tokens.slice(0, k));
    if (!text.startsWith(before.replace(/\uFFFD+$/, ''))) return true;
    before = text;
  }
  return false;
}

/** Counts decoded tokens, to show each step decodes a window and not the sequence. */
function counting(tokenizer: Tokenizer): { tokenizer: Tokenizer; decoded: () => number } {
  let n = 0;
  return {
    tokenizer: { ...tokenizer, decode: (ids: number[]) => ((n += ids.length), tokenizer.decode(ids)) },
    decoded: () => n,
  };
}

for (const vocab of ['gpt2', 'spm'] as const) {
  test(`stop strings found as the text grows equal the whole-sequence check on random streams (${vocab}: GGUF, HF, HF with clean-up)`, async () => {
    const m = testModel({ vocab });
    const cleanUp = withCleanUp(m.hfDir);
    for (const path of [m.gguf, m.hfDir, cleanUp]) {
      const { tokenizer } = await loadModel(path);
      const rng = new Prng(vocab === 'gpt2' ? 11 : 12);
      let found = 0;
      let acrossTokens = 0;
      let splitChars = 0;
      let rewritten = 0;
      for (let trial = 0; trial < 300; trial++) {
        const tokens = randomStream(tokenizer, rng);
        const full = tokenizer.decode(tokens);
        const stop = randomStops(full, rng);
        const want = naiveStop(tokenizer, tokens, stop);
        assert.deepEqual(scannedStop(tokenizer, tokens, stop), want, `${path}: tokens ${JSON.stringify(tokens)}, stop ${JSON.stringify(stop)}`);
        if (path === cleanUp && rewrites(tokenizer, tokens)) rewritten++;
        if (want === undefined) continue;
        found++;
        // The stop string had begun before the token that completed it.
        if (tokenizer.decode(tokens.slice(0, want.step - 1)).length > want.text.length) acrossTokens++;
        for (let k = 1; k < want.step; k++) {
          const prefix = tokenizer.decode(tokens.slice(0, k));
          if (prefix.endsWith(REPLACEMENT) && !full.startsWith(prefix)) splitChars++;
        }
      }
      assert.ok(found > 150, `${path}: only ${found} streams stopped`);
      assert.ok(acrossTokens > 20, `${path}: only ${acrossTokens} stop strings were split across tokens`);
      assert.ok(splitChars > 20, `${path}: only ${splitChars} prefixes ended inside a character`);
      if (path === cleanUp) assert.ok(rewritten > 20, `${path}: only ${rewritten} streams had earlier text cleaned up`);
    }
    rmSync(cleanUp, { recursive: true, force: true });
  });
}

test('each token decodes a short window, not the whole sequence', async () => {
  const { tokenizer } = await loadModel(testModel({ vocab: 'spm' }).gguf);
  const rng = new Prng(5);
  let text = '';
  while (text.length < 4000) text += PIECES[rng.int(PIECES.length)];
  const tokens = tokenizer.encode(text, { addBos: false });
  const { tokenizer: counted, decoded } = counting(tokenizer);
  const scanner = new StopScanner(counted, ['not in it \u0000']);
  for (let k = 1; k <= tokens.length; k++) assert.equal(scanner.push(tokens.slice(0, k)), undefined);
  // The whole-sequence check decodes n(n+1)/2 tokens (13 million here); a window of the last few
  // characters' tokens, decoded a few times per step, is linear (a short-token vocabulary: ~50 a step).
  assert.ok(decoded() < 100 * tokens.length, `${decoded()} tokens decoded for a sequence of ${tokens.length}`);
  assert.ok(tokens.length > 1000);
});
