import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../../server/src/model/load';
import { llamaCppTokenize } from '../../helpers/llamacpp';
import { testModel } from '../../helpers/models';

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
