// llama.cpp (node-llama-cpp, CPU) with one prompt prefix shared by N sequences, the way it can be done
// through node-llama-cpp: the prefix evaluated once in the first sequence, its state saved and loaded
// into the others. The benchmarks that compare our engine with llama.cpp start from here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';

export interface PrefixSequences {
  sequences: LlamaContextSequence[];
  /** Evaluating the prefix once, in seconds. */
  prefillS: number;
  /** Copying its state into the other sequences, in seconds. */
  copyS: number;
}

export interface PrefixOptions {
  threads: number;
  /** Tokens each sequence adds after the prefix. */
  extraTokens: number;
  /** F32 K/V (llama.cpp's default is F16). */
  f32Kv?: boolean;
}

export async function withPrefixSequences<T>(gguf: string, prefix: number[], n: number, options: PrefixOptions, fn: (p: PrefixSequences) => Promise<T>): Promise<T> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: 'never', maxThreads: options.threads });
  const model = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'hp-bench-llamacpp-'));
  try {
    const context = await model.createContext({
      // Per sequence: node-llama-cpp gives each of the `sequences` its own context of this size.
      contextSize: prefix.length + options.extraTokens + 32,
      sequences: n,
      batchSize: Math.max(512, Math.min(2048, prefix.length), n),
      flashAttention: false,
      threads: options.threads,
      ...(options.f32Kv ? { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } : {}),
    });
    try {
      const sequences = Array.from({ length: n }, () => context.getSequence());
      const t0 = performance.now();
      await sequences[0].evaluateWithoutGeneratingNewTokens(prefix as Token[]);
      const t1 = performance.now();
      const state = join(dir, 'prefix.state');
      await sequences[0].saveStateToFile(state);
      for (const s of sequences.slice(1)) await s.loadStateFromFile(state, { acceptRisk: true });
      const t2 = performance.now();
      return await fn({ sequences, prefillS: (t1 - t0) / 1000, copyS: (t2 - t1) / 1000 });
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One batched decode step: every sequence's next token (`tokenOf(i)`) in one llama_decode. */
export async function decodeStep(sequences: LlamaContextSequence[], tokenOf: (i: number) => number): Promise<void> {
  await Promise.all(sequences.map((s, i) => s.evaluateWithoutGeneratingNewTokens([tokenOf(i) as Token])));
}
