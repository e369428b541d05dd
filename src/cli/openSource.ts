// Where the CLI's samples come from: the bundled server started on a model file, an
// OpenAI-compatible endpoint, or a file of raw samples made elsewhere.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ChatWrap } from '../protocol/chatWrap';
import { HydrapatchError } from '../protocol/errors';
import type { PromptTree } from '../protocol/promptTree';
import type { JobTotals, SampleParams } from '../protocol/sampling';
import { OpenAiCompatibleSource } from '../core/backends/openaiClient';
import { ServerClient } from '../core/backends/serverClient';
import { startServerProcess, type ServerProcess } from '../core/backends/serverProcess';
import { FromSamplesSource } from '../core/sampling/fromSamples';
import type { SampleHandlers, SampleSource } from '../core/sampling/sampleSource';
import type { SampleOrigin } from './args';

export interface OpenedSource {
  source: SampleSource;
  /** Samples available (from-samples), when known. */
  count?: number;
}

/** bin/hydrapatch-server.js of this installation, found upwards from this file (source or bundle). */
export function serverScript(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'bin', 'hydrapatch-server.js');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) {
      throw new HydrapatchError('server_missing', 'cannot find bin/hydrapatch-server.js next to the CLI.', 'Reinstall hydrapatch, or use --endpoint / --from-samples.');
    }
  }
}

/** The bundled server as a source that also stops the server when closed. */
class BundledServerSource implements SampleSource {
  constructor(private readonly client: ServerClient, private readonly server: ServerProcess) {}

  get description(): string {
    return this.client.description;
  }

  get chatWrap(): ChatWrap | undefined {
    return this.client.chatWrap;
  }

  draw(tree: PromptTree, params: SampleParams, handlers: SampleHandlers, signal: AbortSignal): Promise<Partial<JobTotals>> {
    return this.client.draw(tree, params, handlers, signal);
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await this.server.stop();
  }
}

export async function openSource(origin: SampleOrigin, onLog: (line: string) => void): Promise<OpenedSource> {
  if (origin.kind === 'samples') {
    const source = await FromSamplesSource.fromFile(origin.path);
    if (source.count === 0) throw new HydrapatchError('bad_samples', `${origin.path} holds no samples.`, 'Each line must be a JSON object like {"text": "<raw model output>"}.');
    return { source, count: source.count };
  }
  if (origin.kind === 'endpoint') {
    return { source: new OpenAiCompatibleSource({ baseUrl: origin.url, model: origin.model, apiKey: process.env.OPENAI_API_KEY, endpoint: 'chat' }) };
  }
  const model = resolve(origin.path);
  if (!existsSync(model)) throw new HydrapatchError('model_not_found', `model file ${model} does not exist.`, 'Pass --model the path of a .gguf or .safetensors model.');
  const server = await startServerProcess({ serverScript: serverScript(), model, onLog });
  try {
    const client = await ServerClient.connect({ url: server.wsUrl, token: server.token });
    if (client.modelInfo === null) await client.load(model);
    return { source: new BundledServerSource(client, server) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
