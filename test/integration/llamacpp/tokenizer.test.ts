import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGguf } from '../../../scripts/lib/ggufWriter';
import { loadModel } from '../../../server/src/model/load';
import { testGgufParts } from '../../../scripts/testModels/randomModel';
import { llamaCppTokenize } from '../../helpers/llamacpp';
import { testModel, testModelSpec } from '../../helpers/models';

const texts = [
  'Hello world, the quick brown fox!',
  '',
  ' ',
  'a',
  '   leading and trailing spaces   ',
  'tabs\tand\t\ttabs, newlines\n\n\nand\r\nCRLF',
  'many     spaces    between      words',
  "It's we've they'll I'd DON'T you're",
  'numbers 0 7 42 1234567 3.14159 -2e10 0x1F',
  'function add(a, b) {\n    return a + b;\n}\n',
  'def fib(n):\n\tif n < 2:\n\t\treturn n\n',
  'const x = { "k": [1, 2, 3] }; // comment',
  'Ünïcödé: café, naïve, Straße, Ελληνικά, русский, 日本語のテキスト, 中文, 한국어',
  'emoji 🙂🚀 and 👩‍👩‍👧 family, flags 🇫🇷',
  'math ∑ ∫ ≤ ≥ ≠ √ π',
  'mixed\u00a0nbsp and zero\u200bwidth',
  'punctuation!!! ??? ... --- ___ *** ### @@@',
];

for (const vocab of ['gpt2', 'spm'] as const) {
  test(`${vocab} GGUF tokenizer gives llama.cpp's ids`, async () => {
    const m = testModel({ vocab, vocabSize: 1024 });
    const model = await loadModel(m.gguf);
    const special = vocab === 'gpt2' ? '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n' : '<s>[user] hi</s>[assistant] ';
    const all = [...texts, special];
    const expected = await llamaCppTokenize(m.gguf, all);
    all.forEach((text, i) => {
      assert.deepEqual(model.tokenizer.encode(text, { addBos: false }), expected[i], `text ${JSON.stringify(text)}`);
    });
  });

  test(`${vocab} GGUF and tokenizer.json tokenizers agree, and decode inverts encode`, async () => {
    const m = testModel({ vocab, vocabSize: 1024 });
    const gguf = (await loadModel(m.gguf)).tokenizer;
    const hf = (await loadModel(m.hfDir)).tokenizer;
    for (const text of texts) {
      const ids = gguf.encode(text, { addBos: false });
      assert.deepEqual(hf.encode(text, { addBos: false }), ids, `text ${JSON.stringify(text)}`);
      assert.equal(gguf.decode(ids), text);
      assert.equal(hf.decode(ids), text);
    }
  });
}

/** The vocabulary was trained on qwen2 splits, so few of its merges cross the boundaries where the
 *  pre-tokenizers differ. These merges do (digit runs, a space before digits or "(", "'T"); they
 *  take the places of the last-learned merges, which no other merge builds on. */
function withMerges(parts: ReturnType<typeof testGgufParts>, extra: [string, string][]): ReturnType<typeof testGgufParts> {
  const tokens = parts.metadata['tokenizer.ggml.tokens'];
  const merges = parts.metadata['tokenizer.ggml.merges'];
  if (tokens.type !== 'array' || merges.type !== 'array') throw new Error('unexpected metadata');
  const tokenList = [...tokens.value] as string[];
  const mergeList = (merges.value as string[]).slice(0, merges.value.length - extra.length);
  const firstSpecial = tokenList.indexOf('<|endoftext|>');
  extra.forEach(([a, b], i) => {
    tokenList[firstSpecial - extra.length + i] = a + b;
    mergeList.push(`${a} ${b}`);
  });
  return {
    tensors: parts.tensors,
    metadata: {
      ...parts.metadata,
      'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', value: tokenList },
      'tokenizer.ggml.merges': { type: 'array', itemType: 'string', value: mergeList },
    },
  };
}

test('every supported gpt2 pre-tokenizer splits text as llama.cpp does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-pre-'));
  try {
    const parts = withMerges(testGgufParts(testModelSpec({ vocab: 'gpt2', vocabSize: 1024 })), [
      ['1', '2'], ['12', '3'], ['123', '4'], ['Ġ', '1'], ['Ġ1', '2'], ['Ġ', '('], ["'", 'T'], ['(', 'a'],
    ]);
    // One file per pre-tokenizer family; the vocabulary is the same, only the splitting differs.
    const distinct = new Set<string>();
    for (const pre of ['default', 'gpt-2', 'llama-bpe', 'qwen2', 'starcoder', 'falcon', 'gpt-4o']) {
      const path = join(dir, `${pre}.gguf`);
      writeGguf(path, { ...parts.metadata, 'tokenizer.ggml.pre': { type: 'string', value: pre } }, parts.tensors);
      const model = await loadModel(path);
      const expected = await llamaCppTokenize(path, texts);
      texts.forEach((text, i) => {
        assert.deepEqual(model.tokenizer.encode(text, { addBos: false }), expected[i], `pre ${pre}, text ${JSON.stringify(text)}`);
      });
      distinct.add(JSON.stringify(expected));
    }
    // The texts do tell the pre-tokenizers apart, so a wrong choice would fail above.
    assert.ok(distinct.size >= 5, `only ${distinct.size} distinct tokenizations`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an SPM vocabulary with pieces that span a word start is merged over the whole text, as llama.cpp does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-spm-span-'));
  try {
    const parts = testGgufParts(testModelSpec({ vocab: 'spm', vocabSize: 1024 }));
    const tokens = parts.metadata['tokenizer.ggml.tokens'];
    const scores = parts.metadata['tokenizer.ggml.scores'];
    if (tokens.type !== 'array' || scores.type !== 'array') throw new Error('unexpected metadata');
    const tokenList = [...tokens.value] as string[];
    const scoreList = [...scores.value] as number[];
    // High-scoring pieces across word starts take the places of the last (rarest) pieces.
    ['e\u2581', 'e\u2581t', 's\u2581', ',\u2581', 'n\u2581a'].forEach((piece, i) => {
      tokenList[tokenList.length - 1 - i] = piece;
      scoreList[scoreList.length - 1 - i] = -0.5 - i;
    });
    const path = join(dir, 'span.gguf');
    writeGguf(
      path,
      {
        ...parts.metadata,
        'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', value: tokenList },
        'tokenizer.ggml.scores': { type: 'array', itemType: 'f32', value: scoreList },
      },
      parts.tensors,
    );
    const model = await loadModel(path);
    const expected = await llamaCppTokenize(path, texts);
    texts.forEach((text, i) => assert.deepEqual(model.tokenizer.encode(text, { addBos: false }), expected[i], `text ${JSON.stringify(text)}`));
    const spanning = tokenList.length - 1;
    assert.ok(expected.some((ids) => ids.some((id) => id >= spanning - 4)), 'the spanning pieces are used');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
