// Every job running on the server, whichever client or endpoint started it: counted for stats and
// aborted together at shutdown. Each job gets its own AbortController, aborted when its owner's signal
// aborts, so one job's end never leaves a listener behind on a long-lived signal.
import type { PromptTree } from '../../../src/protocol/promptTree';
import type { JobTotals, SampleParams } from '../../../src/protocol/sampling';
import type { SamplingEngine } from '../sampling/engine';
import type { SampleHandlers } from '../sampling/job';

export class JobTracker {
  private readonly running = new Set<AbortController>();

  get count(): number {
    return this.running.size;
  }

  async run(engine: SamplingEngine, tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<JobTotals> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', onAbort, { once: true });
    this.running.add(controller);
    try {
      return await engine.sample(tree, params, handlers, controller.signal);
    } finally {
      this.running.delete(controller);
      signal.removeEventListener('abort', onAbort);
    }
  }

  abortAll(reason: string): void {
    for (const c of this.running) c.abort(new Error(reason));
  }
}
