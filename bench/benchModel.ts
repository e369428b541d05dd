// The model bench:job and bench:profile run: llama, 8 heads, FFN 11/4 of the hidden size (rounded
// to 64), a 4096-token vocabulary, made by the test-model generator.
import type { TestModelSpec } from '../scripts/testModels/randomModel';

export const BENCH_HEADS = 8;

export function benchModelSpec(o: { hidden: number; layers: number; weightType: string; contextLength: number }): Partial<TestModelSpec> {
  return {
    arch: 'llama',
    weightType: o.weightType as TestModelSpec['weightType'],
    vocabSize: 4096,
    hiddenSize: o.hidden,
    intermediateSize: Math.round((o.hidden * 11) / 4 / 64) * 64,
    numLayers: o.layers,
    numHeads: BENCH_HEADS,
    numKvHeads: BENCH_HEADS,
    headDim: o.hidden / BENCH_HEADS,
    contextLength: o.contextLength,
    seed: 7,
  };
}
