// Zod schemas for the sampling types of promptTree.ts and sampling.ts, used to validate them where
// they cross a process boundary. The TypeScript types stay in those files; these schemas are
// annotated with them so the two cannot drift apart.
import { z } from 'zod';
import type { ErrorCode } from './errorCodes';
import type { PromptNode, PromptTree } from './promptTree';
import type { FinishReason, JobTotals, SampleParams, SampleProgress, SampleResult } from './sampling';
import { wireLimits } from './limits';

/** Error codes the validators attach to their issues, so that a refusal says which rule it broke. */
export const validationCodes = {
  n: 'invalid_n',
  params: 'invalid_params',
  emptyPrompt: 'empty_prompt',
  tree: 'invalid_tree',
} as const satisfies Record<string, ErrorCode>;

const tokenId = z.number().int().min(0).max(0x7fffffff);

export const promptNodeSchema: z.ZodType<PromptNode> = z.lazy(() =>
  z.object({
    text: z.string().optional(),
    tokens: z.array(tokenId).optional(),
    children: z.array(promptNodeSchema).optional(),
    n: z.number().int().min(1).max(wireLimits.maxSamplesPerJob).optional(),
    label: z.string().max(1024).optional(),
  }),
);

function nodeIsEmpty(node: PromptNode): boolean {
  return (node.tokens === undefined || node.tokens.length === 0) && !node.text;
}

/** Structural rules a per-node schema cannot express: n only on leaves, totals, depth, no empty prompts. */
function checkTree(tree: PromptTree, ctx: z.RefinementCtx): void {
  let nodes = 0;
  let total = 0;
  let emptyLeafPaths = 0;
  let leaves = 0;
  let tooDeep = false;
  const walk = (node: PromptNode, depth: number, path: (string | number)[], emptySoFar: boolean) => {
    nodes++;
    if (depth > wireLimits.maxTreeDepth) tooDeep = true;
    if (tooDeep || nodes > wireLimits.maxTreeNodes) return;
    const empty = emptySoFar && nodeIsEmpty(node);
    const isLeaf = !node.children || node.children.length === 0;
    if (isLeaf) {
      leaves++;
      if (node.n === undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'n'], message: 'a leaf needs n ≥ 1 (the samples to draw below it)', params: { code: validationCodes.n } });
      } else total += node.n;
      if (empty) emptyLeafPaths++;
      return;
    }
    if (node.n !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...path, 'n'], message: 'only leaves carry n; this node has children', params: { code: validationCodes.n } });
    }
    node.children!.forEach((c, i) => walk(c, depth + 1, [...path, 'children', i], empty));
  };
  walk(tree.root, 1, ['root'], true);
  if (nodes > wireLimits.maxTreeNodes) {
    ctx.addIssue({ code: 'custom', path: ['root'], message: `the tree has more than ${wireLimits.maxTreeNodes} nodes`, params: { code: validationCodes.tree } });
  }
  if (tooDeep) {
    ctx.addIssue({ code: 'custom', path: ['root'], message: `the tree is nested deeper than ${wireLimits.maxTreeDepth} levels`, params: { code: validationCodes.tree } });
  }
  if (total > wireLimits.maxSamplesPerJob) {
    ctx.addIssue({ code: 'custom', path: ['root'], message: `the tree asks for ${total} samples; one job may ask for at most ${wireLimits.maxSamplesPerJob}`, params: { code: validationCodes.n } });
  }
  if (leaves > 0 && emptyLeafPaths > 0) {
    ctx.addIssue({ code: 'custom', path: ['root'], message: `${emptyLeafPaths} of ${leaves} leaves have an empty prompt (no text or tokens from the root down)`, params: { code: validationCodes.emptyPrompt } });
  }
}

export const promptTreeSchema: z.ZodType<PromptTree> = z
  .object({ root: promptNodeSchema, bos: z.boolean().optional() })
  .superRefine(checkTree);

export const sampleParamsSchema = z.object({
  temperature: z.number().min(0).max(1000),
  topP: z.number().gt(0).max(1),
  topK: z.number().int().min(0),
  minP: z.number().min(0).lt(1),
  maxTokens: z.number().int().min(1).max(wireLimits.maxTokens),
  stop: z.array(z.string().min(1).max(wireLimits.maxStopLength)).max(wireLimits.maxStopStrings),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
}) satisfies z.ZodType<SampleParams>;

/** What a request may send: any subset; the rest comes from defaultSampleParams. */
export const partialSampleParamsSchema = sampleParamsSchema.partial();

export const finishReasonSchema = z.enum(['stop', 'eos', 'length', 'cancelled', 'error']) satisfies z.ZodType<FinishReason>;

export const sampleResultSchema = z.object({
  index: z.number().int().min(0),
  leaf: z.number().int().min(0),
  label: z.string().optional(),
  text: z.string(),
  finishReason: finishReasonSchema,
  tokenCount: z.number().int().min(0),
  logprob: z.number(),
}) satisfies z.ZodType<SampleResult>;

export const sampleProgressSchema = z.object({
  tokens: z.number().min(0),
  samplesDone: z.number().int().min(0),
  samplesTotal: z.number().int().min(0),
  tokensPerSecond: z.number().min(0),
}) satisfies z.ZodType<SampleProgress>;

export const jobTotalsSchema = z.object({
  samples: z.number().int().min(0),
  promptTokens: z.number().int().min(0),
  generatedTokens: z.number().int().min(0),
  prefillMs: z.number().min(0),
  decodeMs: z.number().min(0),
  kvBytesPeak: z.number().min(0),
  attention: z.enum(['hydragen', 'baseline', 'mixed']),
}) satisfies z.ZodType<JobTotals>;
