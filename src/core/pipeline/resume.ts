// Drawing more samples into a finished run (ResumableRun): the next round's prompt is the first
// round's patch prompt with its leaves' counts set anew, its samples are numbered and seeded after
// every earlier one, and the earlier round's baseline, reproduction tests and candidates stand.
import type { PromptNode, PromptTree } from '../../protocol/promptTree';
import { countSamples } from '../../protocol/promptTree';
import { splitEvenly } from '../prompt/buildPrompt';
import { reproLeafLabel } from '../repro/reproPrompt';
import type { ReproTest } from '../repro/types';
import type { ReproStep } from './reproStep';
import type { SolveRun, TestSetup } from './solveRun';
import type { ResumableRun, SolveResult } from './types';

/** The tree without its reproduction-test leaf: a later round draws patches only. */
export function patchTree(tree: PromptTree): PromptTree {
  const children = tree.root.children?.filter((c) => c.label !== reproLeafLabel);
  return { ...tree, root: { ...tree.root, ...(children ? { children } : {}) } };
}

/** `tree` asking for `n` samples in all, split over its leaves as the first round split them (evenly). */
export function roundTree(tree: PromptTree, n: number): PromptTree {
  const leaves: PromptNode[] = [];
  const copy = (node: PromptNode): PromptNode => {
    if (!node.children || node.children.length === 0) {
      const leaf = { ...node };
      leaves.push(leaf);
      return leaf;
    }
    return { ...node, children: node.children.map(copy) };
  };
  const root = copy(tree.root);
  const counts = splitEvenly(n, leaves.length);
  leaves.forEach((leaf, i) => (leaf.n = counts[i]));
  // A leaf left without samples is dropped; the server refuses a leaf with none.
  const prune = (node: PromptNode): PromptNode | undefined => {
    if (!node.children || node.children.length === 0) return (node.n ?? 0) > 0 ? node : undefined;
    const children = node.children.map(prune).filter((c): c is PromptNode => c !== undefined);
    return children.length > 0 ? { ...node, children } : undefined;
  };
  return { ...tree, root: prune(root) ?? root };
}

/** A later round's reproduction step: no test sample is drawn; the run's tests are already known. */
export function resumedRepro(tests: ReproTest[]): ReproStep {
  return { check: () => {}, drawEnded: () => {}, done: Promise.resolve(tests) };
}

/** What the next round needs, from this round's run, prompt and result. */
export function resumableFrom(run: SolveRun, tests: TestSetup, tree: PromptTree, result: SolveResult, wantRepro: boolean): ResumableRun {
  return {
    root: run.snap.root,
    commit: run.snap.commit,
    tree: patchTree(tree),
    testCommand: tests.command,
    ...(tests.detected ? { testCommandReason: tests.detected.reason } : {}),
    baseline: result.baseline,
    candidates: result.candidates,
    reproTests: result.reproTests ?? run.resume?.reproTests ?? [],
    wantRepro,
    runTests: run.runTests,
    ...(run.testsNotRun ? { testsNotRun: run.testsNotRun } : {}),
    // Every index this round asked for (the reproduction leaf's too), delivered or not: the next round's seeds never meet them.
    nextIndex: run.firstIndex + countSamples(tree.root),
    // The total so far is what was drawn: a cancelled round's undrawn samples are not owed.
    progress: { ...run.progress, total: run.progress.sampled },
  };
}
