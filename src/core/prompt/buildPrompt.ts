// The repair prompt, laid out for shared-prefix sampling (docs/architecture.md, "The prompt tree"):
// everything the samples share comes first and once (instructions, repository map, files, issue); what
// varies comes last (optionally one branch per candidate location, n split across the branches).
// Two output forms from one layout:
// - toPromptTree(prompt, wrap): the bundled server's input; `wrap` puts the model's chat template around
//   it (plainWrap for base/demo models, or the wrap the server derives from the model's template).
// - toChatRequests(prompt): OpenAI-compatible /v1/chat/completions bodies' messages, one request per
//   leaf with its n; the endpoint applies its own template and its own prefix caching.
import { HydrapatchError } from '../../protocol/errors';
import type { PromptTree } from '../../protocol/promptTree';
import type { RepoContext } from '../context/gatherContext';
import type { ChatMessage, ChatWrap } from './chatWrap';
import { reproLeafLabel, reproRequest } from '../repro/reproPrompt';
import { answerRequest, systemInstructions } from './instructions';

export interface PromptBranch {
  /** Carried into each sample's result (SampleResult.label), e.g. the file this branch focuses on. */
  label: string;
  /** Text that only this branch's samples see, e.g. "The bug is most likely in src/a.js (parseDate)." */
  focus: string;
}

export interface RepairPrompt {
  system: string;
  /** The shared part of the user message: map, files, issue. */
  sharedUser: string;
  leaves: { label?: string; userTail: string; n: number }[];
}

export interface PromptInput {
  context: Pick<RepoContext, 'files' | 'repoMap'>;
  issueText: string;
  /** Samples in all. */
  n: number;
  /** One branch per candidate location; none: a single leaf. */
  branches?: PromptBranch[];
  /** Reproduction-test samples, drawn from a second leaf under the same root (src/core/repro). */
  reproTests?: number;
}

export function buildRepairPrompt(input: PromptInput): RepairPrompt {
  if (!Number.isInteger(input.n) || input.n < 1) {
    throw new HydrapatchError('bad_input', `the number of samples must be a positive integer (got ${input.n})`, 'pass -n 1 or more');
  }
  const parts: string[] = [];
  if (input.context.repoMap) parts.push(`Repository map (files and their top-level definitions):\n\n${input.context.repoMap}`);
  for (const f of input.context.files) {
    const fence = f.text.includes('```') ? '~~~~' : '```';
    const note = f.excerpt ? ` (lines ${f.excerpt.startLine}–${f.excerpt.endLine} of ${f.excerpt.totalLines})` : '';
    parts.push(`${f.path}${note}\n${fence}\n${f.text.endsWith('\n') ? f.text : f.text + '\n'}${fence}`);
  }
  parts.push(`Issue:\n\n${input.issueText.trim()}`);
  const sharedUser = parts.join('\n\n') + '\n\n';
  const branches = input.branches?.length ? input.branches : undefined;
  const counts = splitEvenly(input.n, branches?.length ?? 1);
  const leaves: RepairPrompt['leaves'] = branches
    ? branches.map((b, i) => ({ label: b.label, userTail: `${b.focus}\n${answerRequest}`, n: counts[i] })).filter((l) => l.n > 0)
    : [{ userTail: answerRequest, n: input.n }];
  if (input.reproTests) leaves.push({ label: reproLeafLabel, userTail: reproRequest, n: input.reproTests });
  return { system: systemInstructions, sharedUser, leaves };
}

/** Branches for the `count` best-ranked files of the context (only files shown in the prompt). */
export function locationBranches(context: Pick<RepoContext, 'files'>, count: number): PromptBranch[] {
  return context.files.slice(0, count).map((f) => ({
    label: f.path,
    focus: `The bug is most likely in ${f.path}${f.reasons.length ? ` (${f.reasons.filter((r) => !r.startsWith('bm25')).join('; ') || 'similar words'})` : ''}.`,
  }));
}

/** n split into `parts` counts that differ by at most one, larger first. */
export function splitEvenly(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export function toPromptTree(prompt: RepairPrompt, wrap: ChatWrap, bos = true): PromptTree {
  const rootText = wrap.beforeSystem + prompt.system + wrap.betweenSystemAndUser + prompt.sharedUser;
  return {
    bos,
    root: {
      text: rootText,
      children: prompt.leaves.map((l) => ({ text: l.userTail + wrap.afterUser, n: l.n, ...(l.label === undefined ? {} : { label: l.label }) })),
    },
  };
}

export interface ChatRequest {
  label?: string;
  n: number;
  messages: ChatMessage[];
}

export function toChatRequests(prompt: RepairPrompt): ChatRequest[] {
  return prompt.leaves.map((l) => ({
    ...(l.label === undefined ? {} : { label: l.label }),
    n: l.n,
    messages: [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.sharedUser + l.userTail },
    ],
  }));
}
