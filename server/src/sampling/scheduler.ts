// Which sequences run in which wave. Pending samples are admitted while the batch limit and the KV pool
// allow; before each step every running sequence gets room for its next token's KV, oldest first. When
// the pool runs out, the newest sequence is set back to pending (its sample is drawn again from the
// start: sampling is seeded per sample and step, so it comes out the same) and no sequence is admitted
// until one finishes.
import type { Job, Sequence } from './job';
import type { KvPages } from './kvPages';
import { suffixLimit } from './kvBudget';

export class Scheduler {
  /** Jobs in arrival order: the first is prefilled first and admits first. */
  readonly jobs: Job[] = [];
  /** Set when a sequence was set back for want of KV; admission waits until a sequence finishes. */
  private kvPressure = false;

  constructor(
    private readonly pages: KvPages,
    private readonly maxBatch: number,
    private readonly contextLength: number,
  ) {}

  add(job: Job): void {
    this.jobs.push(job);
  }

  /** The oldest job not yet prefilled. */
  unprefilled(): Job | undefined {
    return this.jobs.find((j) => j.nodeStart.length === 0);
  }

  /**
   * Admits the job's pending samples while the batch and the KV pool allow; `start` chooses each new
   * sequence's first token (and may finish it at once, which frees its place for the next).
   */
  admit(job: Job, start: (seq: Sequence) => void): void {
    const p = job.params;
    while (job.pending.length > 0 && !this.kvPressure && this.running() < this.maxBatch) {
      const { sample, leaf } = job.pending[0];
      const node = job.layout.nodes[job.layout.leaves[leaf].node];
      const position = node.position + node.tokens.length;
      const limit = suffixLimit(position, p.maxTokens, this.contextLength);
      const page = this.pages.firstPage(job, limit);
      if (!page) return;
      job.pending.shift();
      const seq: Sequence = { job, sample, leaf, tokens: [], logprob: 0, pages: [page], suffixLimit: limit, position };
      job.active.push(seq);
      start(seq);
    }
  }

  /** The sequences of this step, each with room for its next token's KV; those set back are left out. */
  wave(): Sequence[] {
    const running = this.jobs.flatMap((j) => j.active);
    for (let i = 0; i < running.length; i++) {
      const seq = running[i];
      while (!this.pages.grow(seq)) {
        const victim = running.pop()!;
        this.setBack(victim);
        this.kvPressure = true;
        if (victim === seq) return running;
      }
    }
    return running;
  }

  /** Takes a finished sequence out of its job and frees its KV. */
  finish(seq: Sequence): void {
    const job = seq.job;
    job.active.splice(job.active.indexOf(seq), 1);
    this.pages.releaseSuffix(seq);
    this.kvPressure = false;
    job.done++;
  }

  /** Takes the job out and frees all its KV; false when it was already out. */
  remove(job: Job): boolean {
    const i = this.jobs.indexOf(job);
    if (i < 0) return false;
    this.jobs.splice(i, 1);
    this.pages.releaseJob(job);
    if (job.active.length > 0) this.kvPressure = false;
    job.active = [];
    return true;
  }

  private running(): number {
    return this.jobs.reduce((a, j) => a + j.active.length, 0);
  }

  /** Returns a running sequence to its job's pending list; it starts again from its leaf when readmitted. */
  private setBack(seq: Sequence): void {
    const job = seq.job;
    this.pages.releaseSuffix(seq);
    job.active.splice(job.active.indexOf(seq), 1);
    job.generated -= seq.tokens.length;
    job.pending.unshift({ sample: seq.sample, leaf: seq.leaf });
  }
}
