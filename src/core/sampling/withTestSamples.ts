// Reproduction-test samples made elsewhere (--tests-from-samples): the wrapped source draws the
// patches from the tree without its reproduction-test leaf, and the given texts are played back as
// that leaf's samples (labelled reproLeafLabel), numbered after the patches.
import { countSamples, leafPaths, type PromptTree } from '../../protocol/promptTree';
import type { JobTotals, SampleParams } from '../../protocol/sampling';
import { reproLeafLabel } from '../repro/reproPrompt';
import type { SampleHandlers, SampleSource } from './sampleSource';

export function withTestSamples(source: SampleSource, testTexts: string[], origin = 'test samples'): SampleSource {
  return {
    description: `${source.description} + tests from ${origin}`,
    ...(source.chatWrap ? { chatWrap: source.chatWrap } : {}),
    async draw(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<Partial<JobTotals>> {
      const children = tree.root.children?.filter((c) => c.label !== reproLeafLabel);
      const patchTree: PromptTree = { ...tree, root: { ...tree.root, ...(children ? { children } : {}) } };
      const first = countSamples(patchTree.root);
      const leaf = leafPaths(tree.root).findIndex((path) => path[path.length - 1].label === reproLeafLabel);
      for (let i = 0; i < testTexts.length && !signal.aborted; i++) {
        handlers.onSample({ index: first + i, leaf, label: reproLeafLabel, text: testTexts[i], finishReason: 'stop', tokenCount: 0, logprob: 0 });
      }
      const totals = await source.draw(patchTree, params, handlers, signal);
      return { ...totals, samples: (totals.samples ?? 0) + testTexts.length };
    },
    close: () => source.close(),
  };
}
