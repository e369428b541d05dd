// The sampling engine: the one object the server (WebSocket / HTTP API) and `generate` talk to. It owns
// a loaded model on the GPU, the prompt-tree KV store and the batch scheduler; jobs draw samples from a
// prompt tree and stream them back. Several jobs may be submitted at once: their decode steps are
// serialised on the one device, each step serving every admitted sequence of every job.
import type { PromptTree } from '../../../src/protocol/promptTree';
import type { JobTotals, SampleParams, SampleProgress, SampleResult } from '../../../src/protocol/sampling';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { ModelConfig, Tokenizer } from '../model/types';

/** Which attention the decode step uses: `auto` picks per tree level from measured kernel cost. */
export type AttentionMode = 'auto' | 'hydragen' | 'baseline';

export interface EngineOptions {
  /** Upper bound on KV-cache bytes (shared nodes once + per-sequence suffixes); samples beyond it wait for a wave. */
  kvBudgetBytes?: number;
  attention?: AttentionMode;
  /** Most sequences decoded in one step (default 128); more samples run in waves. */
  maxBatch?: number;
}

export interface EngineModelInfo {
  path: string;
  config: ModelConfig;
}

export interface EngineJobStats {
  id: number;
  samplesTotal: number;
  samplesDone: number;
  activeSequences: number;
  kvBytes: number;
}

export interface EngineStats {
  /** KV bytes held now over all jobs: each prompt-tree node once plus each admitted sequence's suffix. */
  kvBytesInUse: number;
  kvBudgetBytes: number;
  jobs: EngineJobStats[];
}

export interface SampleHandlers {
  onSample(result: SampleResult): void;
  onProgress?(progress: SampleProgress): void;
}

/** The engine's public face; `loadSamplingEngine` returns one. */
export interface SamplingEngine {
  readonly modelInfo: EngineModelInfo;
  readonly tokenizer: Tokenizer;
  /**
   * Draw every sample the tree asks for. Resolves with the job's totals when all are done, or, once
   * `signal` aborts, within one decode step with the samples finished so far (others reported with
   * finishReason 'cancelled'); the job's KV memory is freed before it resolves.
   */
  sample(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<JobTotals>;
  stats(): EngineStats;
  close(): Promise<void>;
}

export function loadSamplingEngine(path: string, options: EngineOptions = {}): Promise<SamplingEngine> {
  void options;
  return Promise.reject(
    new HydrapatchError('engine_unavailable', `Cannot load ${path}: the sampling engine is not wired to the GPU forward pass yet.`, 'Use a later build.'),
  );
}
