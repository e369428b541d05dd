// Where each job's KV lives in the pool (kvPool.ts): every prompt-tree node in one run for the life of
// the job; every sequence's suffix in pages that grow as it generates, so that samples which stop early
// never held max_tokens of KV. Keeps each job's count of slots held (its KV bytes and their peak).
import type { KvNode } from './attentionPlan';
import type { Job, Sequence } from './job';
import type { KvSlots } from './kvPool';

/** Slots per suffix page. */
export const SUFFIX_PAGE = 64;

export class KvPages {
  constructor(private readonly slots: KvSlots) {}

  get capacity(): number {
    return this.slots.capacity;
  }

  get inUse(): number {
    return this.slots.inUse;
  }

  /** Places every prompt-tree node of the job; a node that does not fit throws kv_budget. */
  placePrompt(job: Job): void {
    const { nodes } = job.layout;
    job.nodeStart = nodes.map(() => -1);
    for (let i = 0; i < nodes.length; i++) {
      job.nodeStart[i] = this.slots.alloc(nodes[i].tokens.length, `prompt node ${i} of job ${job.id}`);
      this.hold(job, nodes[i].tokens.length);
    }
  }

  /** The job's nodes as the attention planner sees them. */
  nodes(job: Job): KvNode[] {
    return job.layout.nodes.map((n, i) => ({ start: job.nodeStart[i], length: n.tokens.length, parent: n.parent }));
  }

  /** The first page of a sequence that may use `suffixLimit` slots, or undefined when the pool has no room. */
  firstPage(job: Job, suffixLimit: number): [number, number] | undefined {
    const length = Math.min(SUFFIX_PAGE, suffixLimit);
    const start = this.slots.tryAlloc(length);
    if (start < 0) return undefined;
    this.hold(job, length);
    return [start, length];
  }

  /** Gives the sequence a slot for the KV of the token it feeds next; false when the pool has no room. */
  grow(seq: Sequence): boolean {
    const have = seq.pages.reduce((a, [, l]) => a + l, 0);
    if (have >= seq.tokens.length) return true;
    const length = Math.min(SUFFIX_PAGE, seq.suffixLimit - have);
    const start = this.slots.tryAlloc(length);
    if (start < 0) return false;
    seq.pages.push([start, length]);
    this.hold(seq.job, length);
    return true;
  }

  releaseSuffix(seq: Sequence): void {
    for (const [start, length] of seq.pages) {
      this.slots.release(start, length);
      seq.job.kvSlots -= length;
    }
    seq.pages = [];
  }

  /** Frees the job's nodes and its active sequences' suffixes. */
  releaseJob(job: Job): void {
    for (const seq of job.active) this.releaseSuffix(seq);
    job.layout.nodes.forEach((n, k) => {
      if (job.nodeStart[k] !== undefined && job.nodeStart[k] >= 0) this.slots.release(job.nodeStart[k], n.tokens.length);
    });
    job.nodeStart = job.nodeStart.map(() => -1);
    job.kvSlots = 0;
  }

  private hold(job: Job, length: number): void {
    job.kvSlots += length;
    job.kvPeak = Math.max(job.kvPeak, job.kvSlots);
  }
}
