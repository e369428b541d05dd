// Tokenizer speed: our GGUF tokenizers (gpt2 BPE, SPM) and the tokenizer.json path against llama.cpp's
// tokenizer (node-llama-cpp) on the same ~200 KB text, measured side by side in one run; ids must be
// equal. Prints a table and JSON.  Usage: npx tsx bench/tokenizers.ts
import { loadModel } from '../server/src/model/load';
import { trainingCorpus } from '../scripts/testModels/corpus';
import { testModel } from '../test/helpers/models';

const text = (trainingCorpus(99) + '\nÜnïcödé: café, 日本語のテキスト, emoji 🙂🚀, math ∑ ≤ π\n').repeat(2);

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

async function main(): Promise<void> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: 'never' });
  const rows: Record<string, unknown>[] = [];
  for (const vocab of ['gpt2', 'spm'] as const) {
    const m = testModel({ vocab, vocabSize: 4096, hiddenSize: 32, intermediateSize: 32, numHeads: 2, numKvHeads: 1, numLayers: 1 });
    const gguf = await loadModel(m.gguf);
    const hf = await loadModel(m.hfDir);
    const reference = await llama.loadModel({ modelPath: m.gguf, gpuLayers: 0 });
    // One warm-up each, so that caches and JIT are in the same state for all three.
    gguf.tokenizer.encode(text.slice(0, 5000));
    hf.tokenizer.encode(text.slice(0, 5000));
    reference.tokenize(text.slice(0, 5000), true);
    const ours = time(() => gguf.tokenizer.encode(text, { addBos: false }));
    const viaJson = time(() => hf.tokenizer.encode(text, { addBos: false }));
    const theirs = time(() => [...reference.tokenize(text, true)]);
    await reference.dispose();
    rows.push({
      vocab,
      chars: text.length,
      tokens: theirs.value.length,
      oursMs: +ours.ms.toFixed(1),
      tokenizerJsonMs: +viaJson.ms.toFixed(1),
      llamaCppMs: +theirs.ms.toFixed(1),
      oursVsLlamaCpp: +(theirs.ms / ours.ms).toFixed(3),
      idsEqual: JSON.stringify(ours.value) === JSON.stringify(theirs.value) && JSON.stringify(viaJson.value) === JSON.stringify(theirs.value),
    });
  }
  console.table(rows);
  console.log(JSON.stringify({ bench: 'tokenizers', rows }));
  process.exit(0);
}

void main();
