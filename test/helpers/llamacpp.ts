// llama.cpp (through node-llama-cpp, CPU build) as the independent reference: its tokenizer and its
// full-vocabulary next-token log-probabilities at every position of a sequence. F32 KV cache and no
// flash attention, so that the only rounding left is the weights' own and llama.cpp's activation
// conversion for F16/Q8_0 matmuls.
import type { ControlledEvaluateInputItem, Llama, LlamaModel, Token } from 'node-llama-cpp';

let llamaPromise: Promise<Llama> | undefined;

async function llama(): Promise<Llama> {
  // node-llama-cpp is an ES module; this project compiles to CommonJS, so it is imported dynamically.
  llamaPromise ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
    getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: 'never', maxThreads: 2 }),
  );
  return llamaPromise;
}

/**
 * The CPU features of the ggml CPU variant node-llama-cpp loaded (its system info, e.g. "AVX2 = 1 |
 * AVX512 = 1 | …"): ggml ships one build per CPU family and loads the best one the machine runs.
 */
export async function llamaCppSystemInfo(): Promise<string> {
  return (await llama()).systemInfo;
}

/** Which F16 matmuls that variant feeds f16-rounded activations (cpuForward's `f16Activations`). */
export async function llamaCppF16Activations(): Promise<'all' | 'unaligned'> {
  return /\bAVX512 = 1\b/.test(await llamaCppSystemInfo()) ? 'all' : 'unaligned';
}

async function withModel<T>(modelPath: string, fn: (model: LlamaModel) => Promise<T>): Promise<T> {
  const model = await (await llama()).loadModel({ modelPath, gpuLayers: 0, useMmap: false });
  try {
    return await fn(model);
  } finally {
    await model.dispose();
  }
}

/** llama.cpp's token ids for text, special tokens parsed, no BOS added. */
export async function llamaCppTokenize(modelPath: string, texts: string[]): Promise<number[][]> {
  return withModel(modelPath, async (model) => texts.map((t) => [...model.tokenize(t, true)]));
}

/**
 * out[i][v] = log p(token v | tokens[0..i]) as llama.cpp computes it (softmax of its logits in f32).
 * No BOS is added: the sequence is evaluated exactly as given. Tokens llama.cpp leaves out of its
 * answer keep -Infinity, so a missing entry shows up as a large difference.
 */
export async function llamaCppLogProbs(
  modelPath: string,
  tokens: number[],
  vocabSize: number,
  options: {
    /** Tokens per llama.cpp evaluation (default: all at once); 1 exercises its decode path. */
    chunk?: number;
  } = {},
): Promise<Float64Array[]> {
  return withModel(modelPath, async (model) => {
    const context = await model.createContext({
      // Room beyond the sequence: a full context would make node-llama-cpp shift it before the last token.
      contextSize: tokens.length + 64,
      batchSize: Math.max(64, tokens.length),
      sequences: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
      threads: 2,
    });
    try {
      const sequence = context.getSequence();
      const chunk = options.chunk ?? tokens.length;
      const results = [];
      for (let at = 0; at < tokens.length; at += chunk) {
        const part = tokens.slice(at, at + chunk);
        results.push(...(await sequence.controlledEvaluate(part.map((t): ControlledEvaluateInputItem => [t as Token, { generateNext: { probabilities: true } }]))));
      }
      return results.map((r, i) => {
        const probs = r?.next.probabilities;
        if (!probs) throw new Error(`llama.cpp returned no probabilities at position ${i}`);
        const out = new Float64Array(vocabSize).fill(-Infinity);
        for (const [id, p] of probs) out[id] = Math.log(p);
        return out;
      });
    } finally {
      await context.dispose();
    }
  });
}
