// The sampling engine: the one object the server (WebSocket / HTTP API) and `generate` talk to. It owns
// a loaded model on the GPU and composes the parts that draw samples: a job prefills each node of its
// prompt tree once (prefill.ts; its KV kept once, whatever the number of samples below it, kvPages.ts),
// then its samples decode in waves: as many sequences as the KV budget and the batch limit allow, freed
// slots refilled as sequences finish (scheduler.ts). Several jobs may run at once: decode steps
// (decodeStep.ts) are serialised on the one device, each step serving every admitted sequence of every job.
import type { PromptTree } from '../../../src/protocol/promptTree';
import type { FinishReason, JobTotals, SampleParams } from '../../../src/protocol/sampling';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { AttentionShape } from '../gpu/attention/step';
import type { ModelConfig, Tokenizer } from '../model/types';
import { loadModel } from '../model/load';
import { ModelRunner } from '../model/runner';
import { compileTreeAttention, TreeAttention } from '../gpu/attention/treeStep';
import { kvBytesPerValue, type KvType } from '../gpu/attention/kvFormat';
import type { SplitPolicy } from './attentionPlan';
import { DecodeStep, nextToken, type AttentionMode } from './decodeStep';
import { jobTotals, newJob, type Job, type SampleHandlers, type Sequence } from './job';
import { checkJobFits, jobKvNeed, kvCapacity } from './kvBudget';
import { KvPages, SUFFIX_PAGE } from './kvPages';
import { KvSlots } from './kvPool';
import { calibratePathCost, type PathCost } from './pathCost';
import { prefill, type PrefillDevice } from './prefill';
import { layoutPromptTree } from './promptLayout';
import { validateSampleParams } from './sampler';
import { Scheduler } from './scheduler';

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

const DEFAULT_MAX_BATCH = 128;
/** Least time between two progress reports of a job. */
const PROGRESS_MS = 250;

export class SamplingEngine {
  private nextJobId = 1;
  private pumping = false;
  private closed = false;
  private readonly scheduler: Scheduler;
  private readonly step: DecodeStep;
  private readonly prefillDevice: PrefillDevice;

  private constructor(
    readonly modelInfo: EngineModelInfo,
    readonly tokenizer: Tokenizer,
    private readonly runner: ModelRunner,
    private readonly attention: TreeAttention,
    private readonly pages: KvPages,
    policy: SplitPolicy,
    pathCost: PathCost | undefined,
    mode: AttentionMode,
    options: EngineOptions,
  ) {
    const c = modelInfo.config;
    this.scheduler = new Scheduler(pages, options.maxBatch ?? DEFAULT_MAX_BATCH, c.contextLength);
    this.step = new DecodeStep(runner, attention, pages, policy, c.vocabSize, pathCost, mode);
    this.prefillDevice = { runner, attention, policy, chunk: options.prefillChunk ?? 256 };
  }

  static async load(path: string, options: EngineOptions = {}): Promise<SamplingEngine> {
    const model = await loadModel(path);
    const runner = await ModelRunner.create(model);
    const c = model.config;
    const shape: AttentionShape = { numLayers: c.numLayers, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim };
    const device = runner.gpu.device;
    const kvType = options.kvType ?? (runner.gpu.caps.shaderF16 ? 'f16' : 'f32');
    const kernels = await compileTreeAttention(device, shape, kvType);
    const rowBytes = c.numKvHeads * c.headDim * kvBytesPerValue(kvType);
    const capacity = kvCapacity({
      bytesPerToken: 2 * c.numLayers * rowBytes,
      bytesPerLayerRow: rowBytes,
      contextLength: c.contextLength,
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
      suffixPage: SUFFIX_PAGE,
      maxStorageBufferBindingSize: runner.gpu.caps.limits.maxStorageBufferBindingSize,
    }, options.kvBudgetBytes);
    const attention = new TreeAttention(device, shape, kernels, capacity);
    const mode = options.attention ?? 'auto';
    const policy: SplitPolicy = { targetWorkgroups: runner.gpu.caps.isCpu ? 16 : 512, numKvHeads: c.numKvHeads, group: c.numHeads / c.numKvHeads, headDim: c.headDim };
    const pathCost = mode === 'auto' ? await calibratePathCost(device, shape, kernels, policy) : undefined;
    const pages = new KvPages(new KvSlots(capacity));
    return new SamplingEngine({ path, config: c }, model.tokenizer, runner, attention, pages, policy, pathCost, mode, options);
  }

  /** Switches the decode path from the next step on (e.g. to compare both paths on the same sequences). */
  setAttention(mode: AttentionMode): void {
    if (mode === 'auto' && !this.step.pathCost) {
      throw new HydrapatchError('no_calibration', 'This engine was loaded with a forced attention path and has no measured costs for auto.', 'Load it with attention "auto".');
    }
    this.step.mode = mode;
  }

  stats(): EngineStats {
    const per = this.attention.bytesPerSlot;
    return {
      kvBytesInUse: this.pages.inUse * per,
      kvBudgetBytes: this.pages.capacity * per,
      kvBytesPerToken: per,
      kvType: this.attention.kvType,
      attention: this.step.mode,
      pathCost: this.step.pathCost,
      jobs: this.scheduler.jobs.map((j) => ({
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
    const { contextLength } = this.modelInfo.config;
    const layout = layoutPromptTree(tree, this.tokenizer, contextLength);
    // A job that could never fit is refused now, not after a prefill of minutes.
    checkJobFits(jobKvNeed(layout, params.maxTokens, contextLength), this.pages.capacity, this.attention.bytesPerSlot);
    return new Promise<JobTotals>((resolve, reject) => {
      this.scheduler.add(newJob(this.nextJobId++, layout, params, handlers, signal, { resolve, reject }));
      void this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.scheduler.jobs]) this.finishJob(job, new HydrapatchError('engine_closed', 'The sampling engine was closed while the job ran.', 'Load the model again.'));
    while (this.pumping) await new Promise((r) => setTimeout(r, 5));
    this.attention.destroy();
    this.runner.destroy();
  }

  /** Runs prefills and decode steps until no job is left; one instance at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const jobs = this.scheduler.jobs;
    try {
      while (jobs.length > 0 && !this.closed) {
        for (const job of [...jobs]) {
          if (job.signal.aborted) this.cancelJob(job);
        }
        const fresh = this.scheduler.unprefilled();
        if (fresh) {
          await this.guard(fresh, () => prefill(fresh, this.pages, this.prefillDevice));
          continue;
        }
        for (const job of [...jobs]) this.guardSync(job, () => this.scheduler.admit(job, (seq) => this.advance(seq, job.nodeLogits[job.layout.leaves[seq.leaf].node])));
        const rows = this.scheduler.wave();
        if (rows.length === 0) {
          for (const job of [...jobs]) if (job.pending.length === 0) this.finishJob(job);
          if (jobs.length > 0 && jobs.every((j) => j.active.length === 0)) {
            const job = jobs[0];
            this.finishJob(job, new HydrapatchError('kv_budget', `The KV budget (${this.pages.capacity} tokens) cannot hold one more sequence of ${job.params.maxTokens} tokens next to the prompt.`, 'Raise the KV budget or lower max_tokens.'));
          }
          continue;
        }
        try {
          await this.decode(rows);
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

  /** One decode step over `rows`, then each row's next token, progress, and the jobs it completed. */
  private async decode(rows: Sequence[]): Promise<void> {
    const { logits, ms, sharedNodes } = await this.step.run(rows);
    const jobs = [...new Set(rows.map((r) => r.job))];
    for (const job of jobs) {
      job.decodeMs += ms;
      job.handlers.onStep?.({ rows: rows.length, ms, sharedNodes });
    }
    rows.forEach((s, i) => {
      if (s.job.active.includes(s)) this.advance(s, logits[i]);
    });
    const now = performance.now();
    for (const job of jobs) {
      if (job.handlers.onProgress && now - job.lastProgress > PROGRESS_MS) {
        job.lastProgress = now;
        job.handlers.onProgress({
          tokens: job.generated, samplesDone: job.done, samplesTotal: job.layout.samples,
          tokensPerSecond: job.generated / Math.max(1e-3, (now - job.started) / 1000),
        });
      }
      if (job.active.length === 0 && job.pending.length === 0) this.finishJob(job);
    }
  }

  /** Chooses the sequence's next token and reports the sample when that finishes it. */
  private advance(seq: Sequence, logits: Float32Array): void {
    const reason = nextToken(seq, logits, this.tokenizer, this.modelInfo.config.contextLength);
    if (reason) this.finishSequence(seq, reason);
  }

  private finishSequence(seq: Sequence, reason: FinishReason): void {
    this.scheduler.finish(seq);
    const leaf = seq.job.layout.leaves[seq.leaf];
    seq.job.handlers.onSample({
      index: seq.sample, leaf: seq.leaf, ...(leaf.label !== undefined ? { label: leaf.label } : {}),
      text: seq.stoppedText ?? this.tokenizer.decode(seq.tokens), finishReason: reason, tokenCount: seq.tokens.length, logprob: seq.logprob,
    });
  }

  private cancelJob(job: Job): void {
    for (const seq of [...job.active]) this.finishSequence(seq, 'cancelled');
    job.pending = [];
    this.finishJob(job);
  }

  /** Frees the job's memory and settles its promise (with totals, or with `error`). */
  private finishJob(job: Job, error?: unknown): void {
    if (!this.scheduler.remove(job)) return;
    if (error !== undefined) job.reject(HydrapatchError.from(error));
    else job.resolve(jobTotals(job, this.attention.bytesPerSlot));
  }
}
