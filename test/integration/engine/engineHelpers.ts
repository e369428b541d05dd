// Shared by the engine's integration tests: run the GPU engine over a whole token sequence and
// compare log-softmax rows with another engine's.
import { loadModel } from '../../../server/src/model/load';
import { ModelRunner, type RunnerOptions } from '../../../server/src/model/runner';
import { ContiguousKvAttention } from '../../../server/src/gpu/attention/contiguousStep';
import { Prng } from '../../../scripts/testModels/prng';

export function randomTokens(n: number, vocab: number, seed: number): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => rng.int(vocab));
}

/**
 * GPU logits at every position of `tokens`, fed as `chunks` consecutive forwards through one
 * KV cache (one chunk: a single prefill; more: prefill then decode-sized steps).
 */
export async function gpuLogits(path: string, tokens: number[], options: RunnerOptions & { chunks?: number[] } = {}): Promise<Float32Array[]> {
  const model = await loadModel(path);
  const runner = await ModelRunner.create(model, options);
  const attention = new ContiguousKvAttention(runner.gpu.device, runner, model.config.contextLength);
  const V = model.config.vocabSize;
  const out: Float32Array[] = [];
  try {
    let at = 0;
    for (const size of options.chunks ?? [tokens.length]) {
      const batch = tokens.slice(at, at + size);
      const logits = await runner.forward(
        { tokens: Int32Array.from(batch), positions: Int32Array.from(batch, (_, i) => at + i) },
        attention,
        batch.map((_, i) => i),
      );
      for (let i = 0; i < batch.length; i++) out.push(logits.slice(i * V, (i + 1) * V));
      at += size;
    }
  } finally {
    attention.destroy();
    runner.destroy();
  }
  return out;
}


export function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  if (a.length !== b.length) throw new Error(`${a.length} rows vs ${b.length}`);
  let m = 0;
  for (let p = 0; p < a.length; p++) {
    if (a[p].length !== b[p].length) throw new Error(`row ${p}: ${a[p].length} vs ${b[p].length} entries`);
    for (let i = 0; i < a[p].length; i++) m = Math.max(m, Math.abs(a[p][i] - b[p][i]));
  }
  return m;
}
