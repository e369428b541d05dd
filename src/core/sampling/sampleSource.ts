// Where the pipeline's samples come from: the bundled server, an OpenAI-compatible endpoint, or a file
// of raw outputs made elsewhere. Every backend implements this one interface.
import type { ChatWrap } from '../../protocol/chatWrap';
import type { PromptTree } from '../../protocol/promptTree';
import type { JobTotals, SampleParams, SampleProgress, SampleResult } from '../../protocol/sampling';

export interface SampleHandlers {
  /** Called once per finished sample, as soon as it finishes (samples stream). */
  onSample(sample: SampleResult): void;
  onProgress?(progress: SampleProgress): void;
}

export interface SampleSource {
  /** For logs and results, e.g. "bundled server (demo.gguf)" or "openai-compatible http://host/v1". */
  readonly description: string;
  /**
   * How prompts for this source should be wrapped; absent = plain text. The bundled server gives its
   * model's chat template here; an OpenAI-compatible chat endpoint applies its own template instead.
   */
  readonly chatWrap?: ChatWrap;
  /**
   * Draw the samples the tree asks for. Resolves when all are done; rejects with HydrapatchError.
   * Aborting `signal` stops the job (the server stops within one decode step) and resolves with the
   * samples delivered so far counted in the totals.
   */
  draw(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<Partial<JobTotals>>;
  /** Release connections / processes. */
  close(): Promise<void>;
}
