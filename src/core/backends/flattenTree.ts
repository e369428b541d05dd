// A prompt tree as plain requests, for backends without shared-prefix attention: one prompt per leaf,
// the concatenation of the segments from the root down, asking for that leaf's n.
import { HydrapatchError } from '../../protocol/errors';
import { leafPaths, type PromptTree } from '../../protocol/promptTree';

export interface FlatPrompt {
  /** Text, or token ids when every segment on the path is given as tokens. */
  prompt: string | number[];
  n: number;
  /** Depth-first leaf index, and the global index of this leaf's first sample. */
  leaf: number;
  firstIndex: number;
  label?: string;
}

export function flattenTree(tree: PromptTree): FlatPrompt[] {
  let firstIndex = 0;
  return leafPaths(tree.root).map((path, leaf) => {
    const leafNode = path[path.length - 1]!;
    const n = leafNode.n ?? 0;
    const allTokens = path.every((node) => node.tokens !== undefined);
    const anyTokens = path.some((node) => node.tokens !== undefined);
    if (anyTokens && !allTokens) {
      throw new HydrapatchError('unsupported_tree', `leaf ${leaf} mixes token and text segments`, 'An OpenAI-compatible server takes either text or token ids per prompt: give every segment as text.');
    }
    const prompt = allTokens ? path.flatMap((node) => node.tokens!) : path.map((node) => node.text ?? '').join('');
    const flat: FlatPrompt = { prompt, n, leaf, firstIndex };
    if (leafNode.label !== undefined) flat.label = leafNode.label;
    firstIndex += n;
    return flat;
  });
}
