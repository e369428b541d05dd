// The zod schema of what the review panel sends (FromPanel in webview.ts), used where it reaches the
// extension: the panel is a separate, less trusted context. Kept apart from webview.ts so that the
// panel's bundle, which imports that file's words and types, does not carry zod.
import { z } from 'zod';
import type { CandidateAction, ContextAction, FromPanel, RunAction } from './webview';

const candidateActions = ['openDiff', 'apply', 'copyPatch', 'discard'] as const satisfies readonly CandidateAction[];
const runActions = ['cancel', 'openSettings', 'solveAgain', 'drawMore', 'rerunWithContext', 'pinFile'] as const satisfies readonly RunAction[];
const contextActions = ['pin', 'unpin', 'exclude', 'include'] as const satisfies readonly ContextAction[];

export const fromPanelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('action'),
    action: z.enum(candidateActions),
    runId: z.number().int().min(0),
    /** The sample index of the candidate's representative. */
    index: z.number().int().min(0),
    path: z.string().min(1).max(4096).optional(),
  }),
  z.object({ type: z.literal('run'), action: z.enum(runActions) }),
  /** A repository-relative path of the run's context (the extension accepts only those it listed). */
  z.object({ type: z.literal('context'), action: z.enum(contextActions), path: z.string().min(1).max(4096) }),
]) satisfies z.ZodType<FromPanel>;

/** The panel's message, or undefined when it is not one (it is then ignored: the panel sends only these). */
export function parseFromPanel(raw: unknown): FromPanel | undefined {
  const parsed = fromPanelSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
