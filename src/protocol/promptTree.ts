// The prompt tree (docs/architecture.md): the root is what every sample shares, children what a subset
// shares, leaves carry `n`. Each node is prefilled once and its KV kept once.

export interface PromptNode {
  /** Text of this segment; tokenised by the server, with no BOS except where `bos` is set on the root. */
  text?: string;
  /** Pre-tokenised segment; takes precedence over `text`. */
  tokens?: number[];
  /** Children share this node's segment as their prefix. */
  children?: PromptNode[];
  /** Samples to draw below a leaf (leaves only). */
  n?: number;
  /** Free-form label carried into each sample's result (e.g. which localisation branch). */
  label?: string;
}

export interface PromptTree {
  root: PromptNode;
  /** Start the root with BOS where the model's tokenizer adds one (its add_bos_token; Qwen2 adds none).
   *  Default true; false never adds it. */
  bos?: boolean;
}

/** Total samples a tree asks for: the sum of `n` over its leaves. */
export function countSamples(node: PromptNode): number {
  if (!node.children || node.children.length === 0) return node.n ?? 0;
  return node.children.reduce((sum, c) => sum + countSamples(c), 0);
}

/** The leaves in depth-first order, each with the path of nodes from the root to it. */
export function leafPaths(root: PromptNode): PromptNode[][] {
  const out: PromptNode[][] = [];
  const walk = (node: PromptNode, path: PromptNode[]) => {
    const here = [...path, node];
    if (!node.children || node.children.length === 0) out.push(here);
    else for (const c of node.children) walk(c, here);
  };
  walk(root, []);
  return out;
}
