// Sampling parameters and results, shared by the server (which draws samples), the protocol (which
// carries them) and the pipeline (which asks for them). Types only.

export interface SampleParams {
  /** 0 means greedy. */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 disables. */
  topP: number;
  /** 0 disables. */
  topK: number;
  /** In [0, 1); 0 disables. */
  minP: number;
  maxTokens: number;
  /** Generation stops before the first occurrence of any of these strings (not included in text). */
  stop: string[];
  /** Sample i of a job uses a stream derived from (seed, i) alone, so it does not depend on the batch. */
  seed: number;
}

export const defaultSampleParams: SampleParams = {
  temperature: 0.8,
  topP: 0.95,
  topK: 0,
  minP: 0,
  maxTokens: 512,
  stop: [],
  seed: 0,
};

export type FinishReason = 'stop' | 'eos' | 'length' | 'cancelled' | 'error';

/** One finished sample. `index` is global across the job (leaves in depth-first order, n each). */
export interface SampleResult {
  index: number;
  /** Index of the leaf (depth-first) the sample was drawn below. */
  leaf: number;
  label?: string;
  text: string;
  finishReason: FinishReason;
  tokenCount: number;
  /** Sum of the log-probabilities of the sampled tokens under the (unmodified) model distribution. */
  logprob: number;
}

export interface SampleProgress {
  tokens: number;
  samplesDone: number;
  samplesTotal: number;
  tokensPerSecond: number;
}

export interface JobTotals {
  samples: number;
  promptTokens: number;
  generatedTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** KV bytes held by the job at its peak: shared nodes once plus each sequence's suffix. */
  kvBytesPeak: number;
  attention: 'hydragen' | 'baseline' | 'mixed';
}
