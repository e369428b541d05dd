// The sampling engine: the one object the server (WebSocket / HTTP API) and `generate` talk to. It owns
// a loaded model on the GPU, the prompt-tree KV pool and the batch scheduler. A job prefills each node
// of its prompt tree once (its KV kept once, whatever the number of samples below it), then its
// samples decode in waves: as many sequences as the KV budget and the batch limit allow, freed slots
// refilled as sequences finish. Several jobs may run at once: decode steps are serialised on the one
// device, each step serving every admitted sequence of every job.
import type { PromptTree } from '../../../src/protocol/promptTree';
import type { FinishReason, JobTotals, SampleParams, SampleProgress, SampleResult } from '../../../src/protocol/sampling';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { AttentionShape } from '../model/attentionStep';
import type { ModelConfig, Tokenizer } from '../model/types';
import { loadModel } from '../model/load';
import { ModelRunner } from '../model/runner';
import { compileTreeAttention, TreeAttention } from '../gpu/treeAttention';
import { kvBytesPerValue, type KvType } from '../gpu/kvFormat';
import { ancestors, planDecode, planPrefill, type DecodeRow, type KvNode, type SplitPolicy } from './attentionPlan';
import { checkJobFits, jobKvNeed, kvCapacity } from './kvBudget';
import { KvSlots } from './kvPool';
import { layoutPromptTree, type PromptLayout } from './promptLayout';
import { calibratePathCost, preferShared, type PathCost } from './pathCost';
import { pickToken, sampleUniform, validateSampleParams } from './sampler';
import { StopScanner } from './stopStrings';

/** Which attention the decode step uses: `auto` picks per tree node from measured kernel cost. */
export type AttentionMode = 'auto' | 'hydragen' | 'baseline';

export interface EngineOptions {
  /** Upper bound on KV-cache bytes (shared nodes once + per-sequence suffixes); samples beyond it wait for a wave.
   *  Default: sized from the model and the device (see kvBudget.ts). */
  kvBudgetBytes?: number;
  attention?: AttentionMode;
  /** Most sequences decoded in one step (default 128); more samples run in waves. */
  maxBatch?: number;
  /** Prompt tokens per prefill forward (default 256). */
  prefillChunk?: number;
  /** KV cache element type: default f16 where the device has shader-f16 (half the memory), else f32. */
  kvType?: KvType;
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
  /** Bytes of K and V of one token over all layers. */
  kvBytesPerToken: number;
  kvType: KvType;
  attention: AttentionMode;
  pathCost?: PathCost;
  jobs: EngineJobStats[];
}

export interface SampleHandlers {
  onSample(result: SampleResult): void;
  onProgress?(progress: SampleProgress): void;
  /** After each decode step serving this job: rows in the step (all jobs), its time, nodes attended batched. */
  onStep?(step: { rows: number; ms: number; sharedNodes: number }): void;
}

/**
 * A sequence's suffix KV grows in runs of this many slots as it generates, so that samples which stop
 * early never held max_tokens of KV. When the pool runs out, the newest sequence is set back to pending
 * (its sample is drawn again from the start: sampling is seeded per sample and step, so it comes out the
 * same) and no sequence is admitted until one finishes.
 */
export const SUFFIX_PAGE = 64;
const DEFAULT_MAX_BATCH = 128;

interface Sequence {
  job: Job;
  sample: number;
  leaf: number;
  /** Tokens generated so far (the last one not yet fed back). */
  tokens: number[];
  logprob: number;
  /** Pool runs holding the suffix's KV in order; all but the last are full. */
  pages: [number, number][];
  /** Suffix slots the sequence can ever use: min(max_tokens, what the context leaves) − 1. */
  suffixLimit: number;
  /** Position of the next token fed. */
  position: number;
  /** Watches the text for the job's stop strings; absent when it has none. */
  stops?: StopScanner;
  /** The text before the stop string, once one was generated. */
  stoppedText?: string;
}

interface Job {
  id: number;
  layout: PromptLayout;
  params: SampleParams;
  handlers: SampleHandlers;
  signal: AbortSignal;
  /** Pool slot of each node's first token. */
  nodeStart: number[];
  /** Logits after each node's last token (an empty node: its parent's). */
  nodeLogits: Float32Array[];
  pending: { sample: number; leaf: number }[];
  active: Sequence[];
  done: number;
  generated: number;
  prefillMs: number;
  decodeMs: number;
  kvSlots: number;
  kvPeak: number;
  usedShared: boolean;
  usedPerSequence: boolean;
  lastProgress: number;
  started: number;
  resolve(totals: JobTotals): void;
  reject(err: unknown): void;
}

export class SamplingEngine {
  private readonly jobs: Job[] = [];
  private nextJobId = 1;
  private pumping = false;
  private closed = false;
  private readonly maxBatch: number;
  private readonly prefillChunk: number;
  /** Set when a sequence was set back for want of KV; admission waits until a sequence finishes. */
  private kvPressure = false;

  private constructor(
    readonly modelInfo: EngineModelInfo,
    readonly tokenizer: Tokenizer,
    private readonly runner: ModelRunner,
    private readonly attention: TreeAttention,
    private readonly slots: KvSlots,
    private mode: AttentionMode,
    private readonly policy: SplitPolicy,
    private readonly pathCost: PathCost | undefined,
    options: EngineOptions,
  ) {
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.prefillChunk = options.prefillChunk ?? 256;
  }

  static async load(path: string, options: EngineOptions = {}): Promise<SamplingEngine> {
    const model = await loadModel(path);
    const runner = await ModelRunner.create(model);
    const c = model.config;
    const shape: AttentionShape = { numLayers: c.numLayers, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim };
    const device = runner.gpu.device;
    const kvType = options.kvType ?? (runner.gpu.shaderF16 ? 'f16' : 'f32');
    const kernels = await compileTreeAttention(device, shape, kvType);
    const rowBytes = c.numKvHeads * c.headDim * kvBytesPerValue(kvType);
    const capacity = kvCapacity({
      bytesPerToken: 2 * c.numLayers * rowBytes,
      bytesPerLayerRow: rowBytes,
      contextLength: c.contextLength,
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
      suffixPage: SUFFIX_PAGE,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    }, options.kvBudgetBytes);
    const attention = new TreeAttention(device, shape, kernels, capacity);
    const mode = options.attention ?? 'auto';
    const policy: SplitPolicy = { targetWorkgroups: runner.gpu.isCpu ? 16 : 512, numKvHeads: c.numKvHeads, group: c.numHeads / c.numKvHeads, headDim: c.headDim };
    const pathCost = mode === 'auto' ? await calibratePathCost(device, shape, kernels, policy) : undefined;
    return new SamplingEngine({ path, config: c }, model.tokenizer, runner, attention, new KvSlots(capacity), mode, policy, pathCost, options);
  }

  /** Switches the decode path from the next step on (e.g. to compare both paths on the same sequences). */
  setAttention(mode: AttentionMode): void {
    if (mode === 'auto' && !this.pathCost) {
      throw new HydrapatchError('no_calibration', 'This engine was loaded with a forced attention path and has no measured costs for auto.', 'Load it with attention "auto".');
    }
    this.mode = mode;
  }

  stats(): EngineStats {
    const per = this.attention.bytesPerSlot;
    return {
      kvBytesInUse: this.slots.inUse * per,
      kvBudgetBytes: this.slots.capacity * per,
      kvBytesPerToken: per,
      kvType: this.attention.kvType,
      attention: this.mode,
      pathCost: this.pathCost,
      jobs: this.jobs.map((j) => ({
        id: j.id,
        samplesTotal: j.layout.samples,
        samplesDone: j.done,
        activeSequences: j.active.length,
        kvBytes: j.kvSlots * per,
      })),
    };
  }

  /**
   * Draws every sample the tree asks for, streaming each through `handlers.onSample` as it finishes.
   * Resolves with the job's totals; once `signal` aborts, within one decode step, the running samples
   * reported with finishReason 'cancelled' and the job's KV memory freed.
   */
  sample(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<JobTotals> {
    if (this.closed) return Promise.reject(new HydrapatchError('engine_closed', 'The sampling engine was closed.', 'Load the model again.'));
    validateSampleParams(params);
    const layout = layoutPromptTree(tree, this.tokenizer, this.modelInfo.config.contextLength);
    // A job that could never fit is refused now, not after a prefill of minutes.
    checkJobFits(jobKvNeed(layout, params.maxTokens, this.modelInfo.config.contextLength), this.slots.capacity, this.attention.bytesPerSlot);
    const pending = layout.leaves.flatMap((leaf, li) => leaf.samples.map((sample) => ({ sample, leaf: li })));
    return new Promise<JobTotals>((resolve, reject) => {
      this.jobs.push({
        id: this.nextJobId++, layout, params, handlers, signal, nodeStart: [], nodeLogits: [], pending, active: [],
        done: 0, generated: 0, prefillMs: 0, decodeMs: 0, kvSlots: 0, kvPeak: 0, usedShared: false, usedPerSequence: false,
        lastProgress: 0, started: performance.now(), resolve, reject,
      });
      void this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.jobs]) this.finishJob(job, new HydrapatchError('engine_closed', 'The sampling engine was closed while the job ran.', 'Load the model again.'));
    while (this.pumping) await new Promise((r) => setTimeout(r, 5));
    this.attention.destroy();
    this.runner.destroy();
  }

  /** Runs prefills and decode steps until no job is left; one instance at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.jobs.length > 0 && !this.closed) {
        for (const job of [...this.jobs]) {
          if (job.signal.aborted) this.cancelJob(job);
        }
        const fresh = this.jobs.find((j) => j.nodeStart.length === 0);
        if (fresh) {
          await this.guard(fresh, () => this.prefill(fresh));
          continue;
        }
        for (const job of [...this.jobs]) this.guardSync(job, () => this.admit(job));
        const rows = this.growSuffixes(this.jobs.flatMap((j) => j.active));
        if (rows.length === 0) {
          for (const job of [...this.jobs]) if (job.pending.length === 0) this.finishJob(job);
          if (this.jobs.length > 0 && this.jobs.every((j) => j.active.length === 0)) {
            const job = this.jobs[0];
            this.finishJob(job, new HydrapatchError('kv_budget', `The KV budget (${this.slots.capacity} tokens) cannot hold one more sequence of ${job.params.maxTokens} tokens next to the prompt.`, 'Raise the KV budget or lower max_tokens.'));
          }
          continue;
        }
        try {
          await this.decodeStep(rows);
        } catch (err) {
          for (const job of [...new Set(rows.map((r) => r.job))]) this.finishJob(job, err);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async guard(job: Job, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      this.finishJob(job, err);
    }
  }

  private guardSync(job: Job, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.finishJob(job, err);
    }
  }

  private kvNodes(job: Job): KvNode[] {
    return job.layout.nodes.map((n, i) => ({ start: job.nodeStart[i], length: n.tokens.length, parent: n.parent }));
  }

  private async prefill(job: Job): Promise<void> {
    const t0 = performance.now();
    const { nodes } = job.layout;
    job.nodeStart = nodes.map(() => -1);
    for (let i = 0; i < nodes.length; i++) {
      job.nodeStart[i] = this.slots.alloc(nodes[i].tokens.length, `prompt node ${i} of job ${job.id}`);
      job.kvSlots += nodes[i].tokens.length;
    }
    job.kvPeak = job.kvSlots;
    const kv = this.kvNodes(job);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.tokens.length === 0) {
        job.nodeLogits[i] = job.nodeLogits[n.parent];
        continue;
      }
      for (let from = 0; from < n.tokens.length; from += this.prefillChunk) {
        if (job.signal.aborted) return;
        const count = Math.min(this.prefillChunk, n.tokens.length - from);
        this.attention.setPlan(planPrefill(kv, i, from, count, this.policy));
        const tokens = Int32Array.from(n.tokens.slice(from, from + count));
        const positions = Int32Array.from({ length: count }, (_, j) => n.position + from + j);
        const logits = await this.runner.forward({ tokens, positions }, this.attention, [count - 1]);
        if (from + count === n.tokens.length) job.nodeLogits[i] = logits;
      }
    }
    job.prefillMs += performance.now() - t0;
  }

  /** Admits pending samples while the batch and the KV budget allow; each starts from its leaf's logits. */
  private admit(job: Job): void {
    const p = job.params;
    while (job.pending.length > 0 && this.jobs.reduce((a, j) => a + j.active.length, 0) < this.maxBatch) {
      if (this.kvPressure) return;
      const { sample, leaf } = job.pending[0];
      const node = job.layout.nodes[job.layout.leaves[leaf].node];
      const position = node.position + node.tokens.length;
      // KV of every generated token but the last; a sequence also stops at the context's end.
      const suffixLimit = Math.max(1, Math.min(p.maxTokens, this.modelInfo.config.contextLength - position) - 1);
      const first = Math.min(SUFFIX_PAGE, suffixLimit);
      const start = this.slots.tryAlloc(first);
      if (start < 0) return;
      job.pending.shift();
      job.kvSlots += first;
      job.kvPeak = Math.max(job.kvPeak, job.kvSlots);
      const seq: Sequence = {
        job, sample, leaf, tokens: [], logprob: 0, pages: [[start, first]], suffixLimit,
        position, ...(p.stop.length > 0 ? { stops: new StopScanner(this.tokenizer, p.stop) } : {}),
      };
      job.active.push(seq);
      this.advance(seq, job.nodeLogits[job.layout.leaves[leaf].node], 0);
    }
  }

  /** Chooses the sequence's next token from `logits` (step = tokens generated so far) and finishes it when due. */
  private advance(seq: Sequence, logits: Float32Array, step: number): void {
    const job = seq.job;
    const p = job.params;
    const { token, logprob } = pickToken(logits, p, sampleUniform(p.seed, seq.sample, step));
    job.generated++;
    if (this.tokenizer.eosIds.includes(token)) return this.finishSequence(seq, 'eos');
    seq.tokens.push(token);
    seq.logprob += logprob;
    seq.stoppedText = seq.stops?.push(seq.tokens);
    if (seq.stoppedText !== undefined) return this.finishSequence(seq, 'stop');
    if (seq.tokens.length >= p.maxTokens || seq.position + seq.tokens.length >= this.modelInfo.config.contextLength) this.finishSequence(seq, 'length');
  }

  private finishSequence(seq: Sequence, reason: FinishReason): void {
    const job = seq.job;
    job.active.splice(job.active.indexOf(seq), 1);
    this.releaseSuffix(seq);
    this.kvPressure = false;
    job.done++;
    const leaf = job.layout.leaves[seq.leaf];
    const text = seq.stoppedText ?? this.tokenizer.decode(seq.tokens);
    job.handlers.onSample({
      index: seq.sample, leaf: seq.leaf, ...(leaf.label !== undefined ? { label: leaf.label } : {}),
      text, finishReason: reason, tokenCount: seq.tokens.length, logprob: seq.logprob,
    });
  }

  private releaseSuffix(seq: Sequence): void {
    for (const [start, length] of seq.pages) {
      this.slots.release(start, length);
      seq.job.kvSlots -= length;
    }
    seq.pages = [];
  }

  /** Suffix slots the sequence holds. */
  private static held(seq: Sequence): number {
    return seq.pages.reduce((a, [, l]) => a + l, 0);
  }

  /**
   * Gives every row room for the KV of the token it feeds next, oldest rows first; when the pool is
   * full, the newest sequence is set back to pending (its memory freed). Returns the rows that run.
   */
  private growSuffixes(rows: Sequence[]): Sequence[] {
    const running = [...rows];
    for (let i = 0; i < running.length; i++) {
      const seq = running[i];
      const have = SamplingEngine.held(seq);
      if (have >= seq.tokens.length) continue;
      const size = Math.min(SUFFIX_PAGE, seq.suffixLimit - have);
      let start = this.slots.tryAlloc(size);
      while (start < 0) {
        const victim = running.pop()!;
        this.setBack(victim);
        this.kvPressure = true;
        if (victim === seq) break;
        start = this.slots.tryAlloc(size);
      }
      if (start < 0) break;
      seq.pages.push([start, size]);
      seq.job.kvSlots += size;
      seq.job.kvPeak = Math.max(seq.job.kvPeak, seq.job.kvSlots);
    }
    return running;
  }

  /** Returns a running sequence to its job's pending list; it starts again from its leaf when readmitted. */
  private setBack(seq: Sequence): void {
    const job = seq.job;
    this.releaseSuffix(seq);
    job.active.splice(job.active.indexOf(seq), 1);
    job.generated -= seq.tokens.length;
    job.pending.unshift({ sample: seq.sample, leaf: seq.leaf });
  }

  private async decodeStep(rows: Sequence[]): Promise<void> {
    const t0 = performance.now();
    const jobs = [...new Set(rows.map((r) => r.job))];
    // One node list for all jobs in the step: each job's nodes after the previous job's.
    const nodes: KvNode[] = [];
    const offset = new Map<Job, number>();
    for (const job of jobs) {
      const o = nodes.length;
      offset.set(job, o);
      for (const n of this.kvNodes(job)) nodes.push({ ...n, parent: n.parent < 0 ? -1 : n.parent + o });
    }
    const decodeRows: DecodeRow[] = rows.map((s) => {
      const full = s.pages.slice(0, -1);
      const [last] = s.pages[s.pages.length - 1];
      return {
        node: offset.get(s.job)! + s.job.layout.leaves[s.leaf].node,
        suffixPages: full,
        suffixStart: last,
        suffixLength: s.tokens.length - full.reduce((a, [, l]) => a + l, 0),
      };
    });
    const below = new Array<number>(nodes.length).fill(0);
    for (const r of decodeRows) for (const n of ancestors(nodes, r.node)) below[n]++;
    const shared = (n: number) =>
      this.mode === 'hydragen' || (this.mode === 'auto' && preferShared(this.pathCost!, this.attention.shape, nodes[n].length, below[n]));
    const plan = planDecode(nodes, decodeRows, shared, this.policy);
    const sharedNodes = new Set(plan.prefix.map((d) => d.segStart));
    for (const job of jobs) {
      const o = offset.get(job)!;
      job.layout.nodes.forEach((n, i) => {
        if (n.tokens.length === 0 || below[o + i] === 0) return;
        if (sharedNodes.has(nodes[o + i].start)) job.usedShared = true;
        else job.usedPerSequence = true;
      });
    }
    this.attention.setPlan(plan);
    const tokens = Int32Array.from(rows, (s) => s.tokens[s.tokens.length - 1]);
    const positions = Int32Array.from(rows, (s) => s.position + s.tokens.length - 1);
    const logits = await this.runner.forward({ tokens, positions }, this.attention, rows.map((_, i) => i));
    const vocab = this.modelInfo.config.vocabSize;
    const elapsed = performance.now() - t0;
    for (const job of jobs) {
      job.decodeMs += elapsed;
      job.handlers.onStep?.({ rows: rows.length, ms: elapsed, sharedNodes: plan.prefix.length });
    }
    rows.forEach((s, i) => {
      if (s.job.active.includes(s)) this.advance(s, logits.subarray(i * vocab, (i + 1) * vocab), s.tokens.length);
    });
    const now = performance.now();
    for (const job of jobs) {
      if (job.handlers.onProgress && now - job.lastProgress > 250) {
        job.lastProgress = now;
        job.handlers.onProgress({
          tokens: job.generated, samplesDone: job.done, samplesTotal: job.layout.samples,
          tokensPerSecond: job.generated / Math.max(1e-3, (now - job.started) / 1000),
        });
      }
      if (job.active.length === 0 && job.pending.length === 0) this.finishJob(job);
    }
  }

  private cancelJob(job: Job): void {
    for (const seq of [...job.active]) this.finishSequence(seq, 'cancelled');
    job.pending = [];
    this.finishJob(job);
  }

  /** Frees the job's memory and settles its promise (with totals, or with `error`). */
  private finishJob(job: Job, error?: unknown): void {
    const i = this.jobs.indexOf(job);
    if (i < 0) return;
    this.jobs.splice(i, 1);
    for (const seq of job.active) this.releaseSuffix(seq);
    if (job.active.length > 0) this.kvPressure = false;
    job.active = [];
    job.layout.nodes.forEach((n, k) => {
      if (job.nodeStart[k] !== undefined && job.nodeStart[k] >= 0) this.slots.release(job.nodeStart[k], n.tokens.length);
    });
    job.nodeStart = job.nodeStart.map(() => -1);
    job.kvSlots = 0;
    if (error !== undefined) {
      job.reject(HydrapatchError.from(error));
      return;
    }
    job.resolve({
      samples: job.done,
      promptTokens: job.layout.promptTokens,
      generatedTokens: job.generated,
      prefillMs: job.prefillMs,
      decodeMs: job.decodeMs,
      kvBytesPeak: job.kvPeak * this.attention.bytesPerSlot,
      attention: job.usedShared && job.usedPerSequence ? 'mixed' : job.usedShared ? 'hydragen' : 'baseline',
    });
  }
}

/** Loads a model (GGUF file or safetensors folder) into a sampling engine. */
export function loadSamplingEngine(path: string, options: EngineOptions = {}): Promise<SamplingEngine> {
  return SamplingEngine.load(path, options);
}
