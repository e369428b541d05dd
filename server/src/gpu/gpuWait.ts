// Waiting for the device without taking its CPU away.
//
// The `webgpu` package (Dawn's node binding) learns that GPU work has finished by calling
// ProcessEvents from setImmediate, again and again, for as long as any promise it handed out
// (mapAsync, onSubmittedWorkDone) is pending: the JS thread spins at 100% for the whole wait. On a GPU
// that costs one CPU core; on lavapipe, whose "GPU" is the CPU's other threads, the spinning thread
// competes with the threads doing the work. On this project's 2-core machine prefixAttention at B=64,
// P=8K took 107 ms per dispatch waited for at once and 71 ms when the wait began 40 ms later.
//
// So a wait first sleeps through most of the time the same kind of work took before, and only then asks
// Dawn. Estimates are the least of the last few measured times (a first run that paid a shader compile
// is not trusted alone). A run that was already over when the sleep ended was not measured: it was
// shorter than the sleep, so the kind's estimate drops to half the time waited and keeps sleeping
// (forgetting it instead made the next two waits poll in full).

/** Share of the expected time slept before Dawn is asked (the rest is spent polling). */
const SLEEP_SHARE = 0.75;
/**
 * Below this a sleep does not pay: a timer wakes a millisecond or more late, and lavapipe's threads
 * answer short dispatches slower while the JS thread sleeps (attention at B=64, P=128 went from 6.5 to
 * 10 ms with 2 ms sleeps). Long waits, where the time goes, sleep.
 */
const MIN_SLEEP_MS = 8;
/** A wait that answers within this after the sleep found the work already done. */
const DONE_WITHIN_MS = 1;
/** The estimate after work was found already done, as a share of the time waited. */
const DONE_SHARE = 0.5;
/** Measured times kept per kind; a kind sleeps once it has two. */
const SAMPLES = 3;
/** Kinds of work remembered; the oldest is forgotten past this (kinds are keyed by batch shape). */
const MAX_KINDS = 256;

export class GpuWaiter {
  private readonly samples = new Map<string, number[]>();

  /**
   * Waits for work of `kind` submitted at `submittedAt` (a `performance.now()` reading): sleeps for
   * most of the time `kind` is expected to take, then runs `wait` (the Dawn promise) and learns how long
   * it took.
   */
  async wait<T>(kind: string, submittedAt: number, wait: () => Promise<T>): Promise<T> {
    const expected = this.expected(kind);
    let slept = false;
    if (expected !== undefined) {
      const sleep = SLEEP_SHARE * expected - (performance.now() - submittedAt);
      if (sleep >= MIN_SLEEP_MS) {
        await new Promise((resolve) => setTimeout(resolve, sleep));
        slept = true;
      }
    }
    const asked = performance.now();
    const result = await wait();
    const done = performance.now();
    if (slept && done - asked <= DONE_WITHIN_MS) this.samples.set(kind, [DONE_SHARE * (done - submittedAt), DONE_SHARE * (done - submittedAt)]);
    else this.remember(kind, done - submittedAt);
    return result;
  }

  /** The time `kind` is expected to take, once it has been measured twice. */
  expected(kind: string): number | undefined {
    const s = this.samples.get(kind);
    return s && s.length >= 2 ? Math.min(...s) : undefined;
  }

  private remember(kind: string, ms: number): void {
    const s = this.samples.get(kind) ?? [];
    this.samples.delete(kind);
    this.samples.set(kind, [...s, ms].slice(-SAMPLES));
    if (this.samples.size > MAX_KINDS) this.samples.delete(this.samples.keys().next().value!);
  }
}

/** The process's waiter: one device, one CPU. */
export const gpuWaiter = new GpuWaiter();
