// A job's prompt tree into the KV pool: each node placed once and run through the model in chunks,
// attending to its ancestors' KV, whatever the number of samples below it. Keeps the logits after each
// node's last token: its leaves' samples draw their first token from them.
import type { ModelRunner } from '../model/runner';
import type { TreeAttention } from '../gpu/attention/treeStep';
import { planPrefill, type SplitPolicy } from './attentionPlan';
import type { Job } from './job';
import type { KvPages } from './kvPages';

export interface PrefillDevice {
  runner: ModelRunner;
  attention: TreeAttention;
  policy: SplitPolicy;
  /** Prompt tokens per forward. */
  chunk: number;
}

/** Prefills every node of the job; stops between chunks once the job's signal aborts. */
export async function prefill(job: Job, pages: KvPages, device: PrefillDevice): Promise<void> {
  const t0 = performance.now();
  const { nodes } = job.layout;
  pages.placePrompt(job);
  const kv = pages.nodes(job);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.tokens.length === 0) {
      job.nodeLogits[i] = job.nodeLogits[n.parent];
      continue;
    }
    for (let from = 0; from < n.tokens.length; from += device.chunk) {
      if (job.signal.aborted) return;
      const count = Math.min(device.chunk, n.tokens.length - from);
      device.attention.setPlan(planPrefill(kv, i, from, count, device.policy));
      const tokens = Int32Array.from(n.tokens.slice(from, from + count));
      const positions = Int32Array.from({ length: count }, (_, j) => n.position + from + j);
      const logits = await device.runner.forward({ tokens, positions }, device.attention, [count - 1]);
      if (from + count === n.tokens.length) job.nodeLogits[i] = logits;
    }
  }
  job.prefillMs += performance.now() - t0;
}
