// The record of one sampling job and of its sequences (one per sample being drawn), shared by the
// engine's parts: the scheduler moves sequences between pending and active, KV pages place them in the
// pool, the decode step feeds them, the engine reports them.
import type { JobTotals, SampleParams, SampleProgress, SampleResult } from '../../../src/protocol/sampling';
import type { PromptLayout } from './promptLayout';
import type { StopScanner } from './stopStrings';

export interface SampleHandlers {
  onSample(result: SampleResult): void;
  onProgress?(progress: SampleProgress): void;
  /** After each decode step serving this job: rows in the step (all jobs), its time, nodes attended batched. */
  onStep?(step: { rows: number; ms: number; sharedNodes: number }): void;
}

export interface Sequence {
  job: Job;
  sample: number;
  leaf: number;
  /** Tokens generated so far (the last one not yet fed back). */
  tokens: number[];
  logprob: number;
  /** Pool runs holding the suffix's KV in order; all but the last are full. */
  pages: [number, number][];
  /** Suffix slots the sequence can ever use (kvBudget.ts suffixLimit). */
  suffixLimit: number;
  /** Position of the next token fed. */
  position: number;
  /** Watches the text for the job's stop strings; absent when it has none. */
  stops?: StopScanner;
  /** The text before the stop string, once one was generated. */
  stoppedText?: string;
}

export interface Job {
  id: number;
  layout: PromptLayout;
  params: SampleParams;
  handlers: SampleHandlers;
  signal: AbortSignal;
  /** Pool slot of each node's first token; empty until the job is prefilled, -1 once released. */
  nodeStart: number[];
  /** Logits after each node's last token (an empty node: its parent's). */
  nodeLogits: Float32Array[];
  pending: { sample: number; leaf: number }[];
  active: Sequence[];
  done: number;
  generated: number;
  prefillMs: number;
  decodeMs: number;
  /** Pool slots the job holds now (its nodes and its sequences' suffixes), and the most it held. */
  kvSlots: number;
  kvPeak: number;
  usedShared: boolean;
  usedPerSequence: boolean;
  lastProgress: number;
  started: number;
  resolve(totals: JobTotals): void;
  reject(err: unknown): void;
}

export function newJob(
  id: number,
  layout: PromptLayout,
  params: SampleParams,
  handlers: SampleHandlers,
  signal: AbortSignal,
  settle: Pick<Job, 'resolve' | 'reject'>,
): Job {
  const pending = layout.leaves.flatMap((leaf, li) => leaf.samples.map((sample) => ({ sample, leaf: li })));
  return {
    id, layout, params, handlers, signal, nodeStart: [], nodeLogits: [], pending, active: [],
    done: 0, generated: 0, prefillMs: 0, decodeMs: 0, kvSlots: 0, kvPeak: 0, usedShared: false, usedPerSequence: false,
    lastProgress: 0, started: performance.now(), ...settle,
  };
}

export function jobTotals(job: Job, bytesPerSlot: number): JobTotals {
  return {
    samples: job.done,
    promptTokens: job.layout.promptTokens,
    generatedTokens: job.generated,
    prefillMs: job.prefillMs,
    decodeMs: job.decodeMs,
    kvBytesPeak: job.kvPeak * bytesPerSlot,
    attention: job.usedShared && job.usedPerSequence ? 'mixed' : job.usedShared ? 'hydragen' : 'baseline',
  };
}
