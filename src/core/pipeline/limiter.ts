// At most `limit` tasks at once; the rest wait in arrival order, except urgent ones (the baseline,
// which every verdict waits for), which go to the head of the queue.
export type Limiter = <T>(task: () => Promise<T>, urgent?: boolean) => Promise<T>;

export function createLimiter(limit: number): Limiter {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (task, urgent = false) => {
    if (running >= limit) await new Promise<void>((r) => (urgent ? queue.unshift(r) : queue.push(r)));
    running++;
    try {
      return await task();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}
