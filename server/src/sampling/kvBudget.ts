// How many token slots the KV pool gets, and whether a job can ever fit in them. The default pool
// holds what the model can use (one full context of prompt plus a first suffix page for every
// sequence of a full batch), cut down to what the device allows: the per-layer binding limit, and a
// share of memory (WebGPU does not report device memory, so a quarter of system memory stands in:
// on a CPU adapter it is the same memory, on a GPU a conservative guess, and --kv-budget-mb overrides).
import { totalmem } from 'node:os';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { PromptLayout } from './promptLayout';

const MIB = 1024 * 1024;
/** The floor of the memory share, so that small machines still get a useful pool. */
const MIN_SHARE = 512 * MIB;

export interface KvSizing {
  /** Bytes of K and V of one token over all layers. */
  bytesPerToken: number;
  /** Bytes of one token's K (or V) in one layer: a layer's pool must fit one storage binding. */
  bytesPerLayerRow: number;
  contextLength: number;
  maxBatch: number;
  suffixPage: number;
  maxStorageBufferBindingSize: number;
}

/** The pool's capacity in tokens: `budgetBytes` when given, else the default above. */
export function kvCapacity(s: KvSizing, budgetBytes?: number): number {
  const deviceTokens = Math.floor(s.maxStorageBufferBindingSize / s.bytesPerLayerRow);
  const modelTokens = s.contextLength + s.maxBatch * s.suffixPage;
  const bytes = budgetBytes ?? Math.min(modelTokens * s.bytesPerToken, Math.max(MIN_SHARE, totalmem() / 4));
  const capacity = Math.min(Math.floor(bytes / s.bytesPerToken), deviceTokens);
  if (capacity < 2) {
    throw new HydrapatchError('kv_budget', `A KV budget of ${mib(bytes)} holds ${capacity} tokens of this model (${s.bytesPerToken} bytes each).`, `Raise the KV budget to at least ${mib(2 * s.bytesPerToken)}.`);
  }
  return capacity;
}

/** Tokens a job needs at once at the least: its whole prompt tree plus its longest single sample. */
export function jobKvNeed(layout: PromptLayout, maxTokens: number, contextLength: number): { prompt: number; sample: number } {
  const prompt = layout.nodes.reduce((a, n) => a + n.tokens.length, 0);
  let sample = 0;
  for (const leaf of layout.leaves) {
    const node = layout.nodes[leaf.node];
    sample = Math.max(sample, suffixLimit(node.position + node.tokens.length, maxTokens, contextLength));
  }
  return { prompt, sample };
}

/** Suffix slots a sequence starting at `position` can ever use: KV of every generated token but the last, stopping at the context's end. */
export function suffixLimit(position: number, maxTokens: number, contextLength: number): number {
  return Math.max(1, Math.min(maxTokens, contextLength - position) - 1);
}

/** Refuses, before any prefill, a job that cannot fit in the pool even alone. */
export function checkJobFits(need: { prompt: number; sample: number }, capacity: number, bytesPerToken: number): void {
  const total = need.prompt + need.sample;
  if (total <= capacity) return;
  throw new HydrapatchError(
    'kv_budget',
    `This job needs ${total} tokens of KV cache at once (prompt tree ${need.prompt} + longest sample ${need.sample}) at ${bytesPerToken} bytes per token = ${mib(total * bytesPerToken)}; ` +
      `the KV budget holds ${capacity} tokens (${mib(capacity * bytesPerToken)}).`,
    `Raise the KV budget to at least ${Math.ceil((total * bytesPerToken) / MIB)} MiB (generate --kv-budget-mb, serve --kv-budget), shorten the prompt by ${total - capacity} tokens, or lower max_tokens.`,
  );
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
