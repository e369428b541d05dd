// Samples from the demo model without the GPU engine: logits from the reference forward pass over the
// committed GGUF, tokens chosen by the server's own sampler with the same per-(seed, sample, step)
// uniform numbers the engine uses. The prompt is reduced to its last token: the model's attention
// outputs are zero, so nothing before the last token can change the logits (the model test checks
// the logits against llama.cpp on a longer sequence).
import { cpuForward } from '../../helpers/reference/cpuForward';
import { pickToken, sampleUniform } from '../../../server/src/sampling/sampler';
import type { LoadedModel } from '../../../server/src/model/types';
import { defaultSampleParams, type SampleParams } from '../../../src/protocol/sampling';

export const demoSampleParams: SampleParams = { ...defaultSampleParams, temperature: 1, topP: 1, topK: 0, minP: 0, maxTokens: 32 };

/** Samples first..first+count-1 of a job with `params` (seed included), as texts. */
export function drawDemoSamples(model: LoadedModel, params: SampleParams, first: number, count: number): string[] {
  const promptLast = model.tokenizer.encode('Reply with SEARCH/REPLACE blocks.\n\n').slice(-1);
  const out: string[] = [];
  for (let s = first; s < first + count; s++) {
    const seq = [...promptLast];
    for (let step = 0; step < params.maxTokens; step++) {
      const logits = cpuForward(model, seq).at(-1) as Float64Array;
      const { token } = pickToken(Float32Array.from(logits), params, sampleUniform(params.seed, s, step));
      if (model.tokenizer.eosIds.includes(token)) break;
      seq.push(token);
    }
    out.push(model.tokenizer.decode(seq.slice(promptLast.length)));
  }
  return out;
}
