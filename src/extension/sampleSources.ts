// The sample source a run draws from, by hydrapatch.backend: the bundled server (started on demand by
// the ServerManager) or an OpenAI-compatible endpoint whose key lives in SecretStorage.
import type * as vscode from 'vscode';
import { OpenAiCompatibleSource } from '../core/backends/openaiClient';
import type { SampleSource } from '../core/sampling/sampleSource';
import { HydrapatchError } from '../protocol/errors';
import { ENDPOINT_KEY } from './commands';
import type { ServerManager } from './serverManager';
import type { Settings } from './settings';

export async function createSampleSource(settings: Settings, server: ServerManager, secrets: vscode.SecretStorage): Promise<SampleSource> {
  if (settings.backend === 'bundled') return server.source(settings);
  if (!/^https?:\/\//.test(settings.endpoint)) {
    throw new HydrapatchError('no_endpoint', `hydrapatch.endpoint "${settings.endpoint}" is not an http(s) URL.`, 'Set it to the base URL of the API, e.g. http://127.0.0.1:8080/v1.');
  }
  return new OpenAiCompatibleSource({
    baseUrl: settings.endpoint.replace(/\/+$/, ''),
    // Empty: the client asks the endpoint's /v1/models and uses its only model.
    model: settings.endpointModel,
    apiKey: (await secrets.get(ENDPOINT_KEY)) || undefined,
    endpoint: settings.endpointApi,
  });
}
