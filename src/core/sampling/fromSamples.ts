// Samples made elsewhere, re-verified here: a file of JSON lines, each {"text": "..."} (other fields
// ignored), played back as a SampleSource. The prompt tree is not sent anywhere; its `n` (when set)
// limits how many of the file's samples are used. A second draw (more samples into the same run) goes
// on with the lines after the first draw's, as a model would give new samples.
import { readFile } from 'node:fs/promises';
import { HydrapatchError } from '../../protocol/errors';
import { countSamples, type PromptTree } from '../../protocol/promptTree';
import type { JobTotals, SampleParams } from '../../protocol/sampling';
import type { SampleHandlers, SampleSource } from './sampleSource';

export function parseSampleLines(text: string, origin: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new HydrapatchError('bad_samples', `${origin}:${i + 1} is not JSON.`, 'Each line must be a JSON object like {"text": "<raw model output>"}.');
    }
    const sample = value as { text?: unknown } | null;
    if (typeof sample !== 'object' || sample === null || typeof sample.text !== 'string') {
      throw new HydrapatchError('bad_samples', `${origin}:${i + 1} has no string field "text".`, 'Each line must be a JSON object like {"text": "<raw model output>"}.');
    }
    out.push(sample.text);
  }
  return out;
}

export class FromSamplesSource implements SampleSource {
  readonly description: string;
  /** Lines played back by earlier draws. */
  private used = 0;

  constructor(private readonly texts: string[], origin = 'samples') {
    this.description = `samples from ${origin}`;
  }

  static async fromFile(path: string): Promise<FromSamplesSource> {
    return new FromSamplesSource(await FromSamplesSource.textsFromFile(path), path);
  }

  /** The texts of a JSON-lines samples file; `flag` names the option in the error. */
  static async textsFromFile(path: string, flag = '--from-samples'): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new HydrapatchError('bad_samples', `cannot read samples file ${path}: ${(err as Error).message}`, `Pass ${flag} a JSON-lines file, one {"text": ...} per line.`, { cause: err });
    }
    return parseSampleLines(text, path);
  }

  get count(): number {
    return this.texts.length;
  }

  async draw(tree: PromptTree, _params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<Partial<JobTotals>> {
    const left = this.texts.length - this.used;
    const wanted = countSamples(tree.root);
    const n = wanted > 0 ? Math.min(wanted, left) : left;
    let done = 0;
    for (; done < n && !signal.aborted; done++) {
      handlers.onSample({ index: done, leaf: 0, text: this.texts[this.used++], finishReason: 'stop', tokenCount: 0, logprob: 0 });
      handlers.onProgress?.({ tokens: 0, samplesDone: done + 1, samplesTotal: n, tokensPerSecond: 0 });
      // Let the consumer start work on each sample as it arrives, as with a live backend.
      await new Promise((r) => setImmediate(r));
    }
    return { samples: done };
  }

  async close(): Promise<void> {}
}
