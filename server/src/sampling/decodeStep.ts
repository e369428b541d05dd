// One decode step: the running sequences of every job assembled into one forward of the model — the
// jobs' prompt-tree nodes in one list, each row below its leaf with its suffix pages, each node
// attended shared (prefixAttention, batched over the rows below it) or per sequence — and then each
// sequence's next token chosen from its row of logits.
import type { FinishReason } from '../../../src/protocol/sampling';
import type { ModelRunner } from '../model/runner';
import type { Tokenizer } from '../model/types';
import type { TreeAttention } from '../gpu/attention/treeStep';
import { ancestors, planDecode, type DecodeRow, type KvNode, type SplitPolicy } from './attentionPlan';
import type { Job, Sequence } from './job';
import type { KvPages } from './kvPages';
import { preferShared, type PathCost } from './pathCost';
import { pickToken, sampleUniform } from './sampler';
import { StopScanner } from './stopStrings';

/** Which attention the decode step uses: `auto` picks per tree node from measured kernel cost. */
export type AttentionMode = 'auto' | 'hydragen' | 'baseline';

export interface StepResult {
  /** One row of logits per sequence, in the order given. */
  logits: Float32Array[];
  ms: number;
  /** Nodes attended shared in this step. */
  sharedNodes: number;
}

export class DecodeStep {
  constructor(
    private readonly runner: ModelRunner,
    private readonly attention: TreeAttention,
    private readonly pages: KvPages,
    private readonly policy: SplitPolicy,
    private readonly vocabSize: number,
    /** Measured at load; absent when the engine was loaded with a forced path. */
    readonly pathCost: PathCost | undefined,
    public mode: AttentionMode,
  ) {}

  /** Feeds each sequence's newest token (its KV slot already given by the scheduler) and returns the logits after it. */
  async run(rows: Sequence[]): Promise<StepResult> {
    const t0 = performance.now();
    const jobs = [...new Set(rows.map((r) => r.job))];
    // One node list for all jobs in the step: each job's nodes after the previous job's.
    const nodes: KvNode[] = [];
    const offset = new Map<Job, number>();
    for (const job of jobs) {
      const o = nodes.length;
      offset.set(job, o);
      for (const n of this.pages.nodes(job)) nodes.push({ ...n, parent: n.parent < 0 ? -1 : n.parent + o });
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
    const sharedStarts = new Set(plan.prefix.map((d) => d.segStart));
    for (const job of jobs) {
      const o = offset.get(job)!;
      job.layout.nodes.forEach((n, i) => {
        if (n.tokens.length === 0 || below[o + i] === 0) return;
        if (sharedStarts.has(nodes[o + i].start)) job.usedShared = true;
        else job.usedPerSequence = true;
      });
    }
    this.attention.setPlan(plan);
    const tokens = Int32Array.from(rows, (s) => s.tokens[s.tokens.length - 1]);
    const positions = Int32Array.from(rows, (s) => s.position + s.tokens.length - 1);
    const logits = await this.runner.forward({ tokens, positions }, this.attention, rows.map((_, i) => i));
    const v = this.vocabSize;
    return {
      logits: rows.map((_, i) => logits.subarray(i * v, (i + 1) * v)),
      ms: performance.now() - t0,
      sharedNodes: plan.prefix.length,
    };
  }
}

/**
 * Chooses the sequence's next token from `logits` (seeded by sample and step, so the same whatever the
 * batch) and says why the sequence finishes with it, if it does.
 */
export function nextToken(seq: Sequence, logits: Float32Array, tokenizer: Tokenizer, contextLength: number): FinishReason | undefined {
  const job = seq.job;
  const p = job.params;
  const { token, logprob } = pickToken(logits, p, sampleUniform(p.seed, seq.sample, seq.tokens.length));
  job.generated++;
  if (tokenizer.eosIds.includes(token)) return 'eos';
  seq.tokens.push(token);
  seq.logprob += logprob;
  if (p.stop.length > 0) {
    seq.stops ??= new StopScanner(tokenizer, p.stop);
    seq.stoppedText = seq.stops.push(seq.tokens);
    if (seq.stoppedText !== undefined) return 'stop';
  }
  if (seq.tokens.length >= p.maxTokens || seq.position + seq.tokens.length >= contextLength) return 'length';
  return undefined;
}
