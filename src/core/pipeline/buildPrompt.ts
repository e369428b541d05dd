// The prompt tree of a solve: the repository context within the token budget, laid out by the prompt
// module (shared material at the root, one branch per likely location when asked for).
import type { PromptTree } from '../../protocol/promptTree';
import { gatherContext, repoPath } from '../context/gatherContext';
import { buildRepairPrompt, locationBranches, toPromptTree } from '../prompt/buildPrompt';
import { plainWrap } from '../prompt/chatWrap';
import type { ContextSummary, SolveOptions } from './types';

export async function buildSolvePrompt(options: SolveOptions, onContext?: (context: ContextSummary) => void): Promise<PromptTree> {
  const { pinned = [], excluded = [] } = options.contextFiles ?? {};
  const context = await gatherContext({ repoDir: options.repoDir, issueText: options.issueText, budgetTokens: options.contextBudgetTokens, pinned, excluded });
  const chosen = new Set(context.files.map((f) => f.path));
  onContext?.({
    files: context.files.map((f) => ({ path: f.path, reasons: f.reasons, ...(f.excerpt ? { excerpt: f.excerpt } : {}), ...(f.pinned ? { pinned: true } : {}) })),
    leftOut: context.ranking.map((r) => r.path).filter((p) => !chosen.has(p)).slice(0, 10),
    tokens: context.tokens,
    budgetTokens: options.contextBudgetTokens,
    excluded: excluded.map(repoPath),
    dropped: context.dropped,
  });
  const branches = options.locationBranches ? locationBranches(context, options.locationBranches) : undefined;
  const prompt = buildRepairPrompt({ context, issueText: options.issueText, n: options.n, branches, reproTests: options.reproTests?.n });
  return toPromptTree(prompt, options.chatWrap ?? options.source.chatWrap ?? plainWrap);
}
