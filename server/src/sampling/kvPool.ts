// Token slots of the KV pool: contiguous runs handed to prompt-tree nodes (for the life of a job) and
// to sequences (for their suffix, until they finish). First fit over a sorted free list.
import { HydrapatchError } from '../../../src/protocol/errors';

export class KvSlots {
  /** Free runs [start, length], sorted by start, never adjacent. */
  private free: [number, number][];
  private used = 0;

  constructor(readonly capacity: number) {
    this.free = capacity > 0 ? [[0, capacity]] : [];
  }

  get inUse(): number {
    return this.used;
  }

  /** The start of a run of `length` slots, or -1 when no run is that long. */
  tryAlloc(length: number): number {
    if (length === 0) return 0;
    const i = this.free.findIndex(([, l]) => l >= length);
    if (i < 0) return -1;
    const [start, l] = this.free[i];
    if (l === length) this.free.splice(i, 1);
    else this.free[i] = [start + length, l - length];
    this.used += length;
    return start;
  }

  alloc(length: number, what: string): number {
    const start = this.tryAlloc(length);
    if (start < 0) {
      throw new HydrapatchError('kv_budget', `The KV budget has no room for ${what} (${length} tokens; ${this.capacity - this.used} of ${this.capacity} free, possibly fragmented).`, 'Raise the KV budget, shorten the prompt, or wait for other jobs to finish.');
    }
    return start;
  }

  release(start: number, length: number): void {
    if (length === 0) return;
    this.used -= length;
    let i = this.free.findIndex(([s]) => s > start);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, [start, length]);
    // Merge with the neighbours so that long runs come back.
    if (i + 1 < this.free.length && start + length === this.free[i + 1][0]) {
      this.free[i][1] += this.free[i + 1][1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1][0] + this.free[i - 1][1] === start) {
      this.free[i - 1][1] += this.free[i][1];
      this.free.splice(i, 1);
    }
  }
}
