// The one reader of the hydrapatch.* settings. Restricted settings (test command, model, node, endpoint)
// are ignored by VS Code itself in an untrusted folder; tests are not run there at all.
import * as vscode from 'vscode';
import type { SandboxMode } from '../core/sandbox/types';

export type Backend = 'bundled' | 'openai-compatible';

export interface Settings {
  samples: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  contextTokens: number;
  backend: Backend;
  modelPath: string;
  nodePath: string;
  endpoint: string;
  endpointModel: string;
  endpointApi: 'chat' | 'completions';
  testCommand: string;
  parallelTests: number;
  testTimeoutSeconds: number;
  stopAfterVerified: number;
  kvBudgetMiB: number;
  sandbox: SandboxMode;
  allowTestEdits: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('hydrapatch', scope);
  const backend = c.get<string>('backend') === 'openai-compatible' ? 'openai-compatible' : 'bundled';
  const sandbox = c.get<string>('sandbox');
  return {
    samples: c.get<number>('samples', 16),
    temperature: c.get<number>('temperature', 0.8),
    topP: c.get<number>('topP', 0.95),
    maxTokens: c.get<number>('maxTokens', 1024),
    // The settings editor flags a value under the schema's minimum but lets it be saved.
    contextTokens: Math.max(256, Math.floor(c.get<number>('contextTokens', 4096)) || 4096),
    backend,
    modelPath: c.get<string>('modelPath', ''),
    nodePath: c.get<string>('nodePath', ''),
    endpoint: c.get<string>('endpoint', ''),
    endpointModel: c.get<string>('endpointModel', ''),
    endpointApi: c.get<string>('endpointApi') === 'completions' ? 'completions' : 'chat',
    testCommand: c.get<string>('testCommand', ''),
    parallelTests: c.get<number>('parallelTests', 2),
    testTimeoutSeconds: c.get<number>('testTimeoutSeconds', 120),
    stopAfterVerified: c.get<number>('stopAfterVerified', 0),
    kvBudgetMiB: c.get<number>('kvBudget', 1024),
    sandbox: sandbox === 'required' || sandbox === 'off' ? sandbox : 'auto',
    allowTestEdits: c.get<boolean>('allowTestEdits', false),
  };
}
