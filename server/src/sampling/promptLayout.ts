// A prompt tree flattened for the engine: nodes in depth-first order with their tokens, parent and
// the position of their first token; leaves with the global indices of the samples drawn below them.
import type { PromptNode, PromptTree } from '../../../src/protocol/promptTree';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { Tokenizer } from '../model/types';

export const MAX_SAMPLES_PER_JOB = 1000;

export interface LayoutNode {
  tokens: number[];
  parent: number;
  /** Position of this node's first token in every sequence below it. */
  position: number;
  label?: string;
}

export interface LayoutLeaf {
  node: number;
  /** Global sample indices (depth-first over leaves, n each). */
  samples: number[];
  label?: string;
}

export interface PromptLayout {
  nodes: LayoutNode[];
  leaves: LayoutLeaf[];
  samples: number;
  promptTokens: number;
}

const bad = (message: string, hint: string) => new HydrapatchError('bad_tree', message, hint);

export function layoutPromptTree(tree: PromptTree, tokenizer: Tokenizer, contextLength: number): PromptLayout {
  const nodes: LayoutNode[] = [];
  const leaves: LayoutLeaf[] = [];
  let samples = 0;
  const walk = (node: PromptNode, parent: number, position: number, where: string) => {
    if (typeof node !== 'object' || node === null) throw bad(`prompt tree node ${where} is not an object`, 'Each node is {text | tokens, children | n}.');
    let tokens: number[];
    if (node.tokens !== undefined) {
      if (!Array.isArray(node.tokens) || node.tokens.some((t) => !Number.isInteger(t) || t < 0 || t >= tokenizer.vocabSize)) {
        throw bad(`prompt tree node ${where} has tokens outside the vocabulary (0..${tokenizer.vocabSize - 1})`, 'Pass token ids of this model, or text.');
      }
      tokens = node.tokens;
    } else {
      tokens = tokenizer.encode(node.text ?? '', { addBos: false });
    }
    if (parent < 0 && tree.bos !== false && tokenizer.addsBos !== false && tokenizer.bosId !== undefined) tokens = [tokenizer.bosId, ...tokens];
    const index = nodes.length;
    nodes.push({ tokens, parent, position, label: node.label });
    const end = position + tokens.length;
    const children = node.children ?? [];
    if (children.length === 0) {
      const n = node.n ?? 0;
      if (!Number.isInteger(n) || n < 0) throw bad(`leaf ${where} asks for n = ${node.n} samples`, 'Use a whole n >= 0 on each leaf.');
      if (end === 0) throw bad(`leaf ${where} has an empty prompt`, 'Give the root some text or tokens (or a BOS).');
      leaves.push({ node: index, samples: Array.from({ length: n }, (_, i) => samples + i), label: node.label });
      samples += n;
    } else {
      if (node.n !== undefined && node.n !== 0) throw bad(`node ${where} has children and n = ${node.n}`, 'Put n on leaves only.');
      children.forEach((c, i) => walk(c, index, end, `${where}.${i}`));
    }
  };
  walk(tree.root, -1, 0, 'root');
  if (samples === 0) throw bad('the prompt tree asks for no samples', 'Set n >= 1 on at least one leaf.');
  if (samples > MAX_SAMPLES_PER_JOB) throw bad(`the prompt tree asks for ${samples} samples, over the ${MAX_SAMPLES_PER_JOB} a job may draw`, 'Split the request into several jobs.');
  for (const leaf of leaves) {
    const n = nodes[leaf.node];
    if (n.position + n.tokens.length >= contextLength) {
      throw bad(`a prompt of ${n.position + n.tokens.length} tokens leaves no room in the model's context of ${contextLength}`, 'Shorten the prompt.');
    }
  }
  return { nodes, leaves, samples, promptTokens: nodes.reduce((a, n) => a + n.tokens.length, 0) };
}
