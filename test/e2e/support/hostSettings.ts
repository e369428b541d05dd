// What every run of the in-host mocha suite (test/e2e/host) is given, whichever VS Code it runs in
// (code-server through the smoke-test driver, or VS Code desktop through @vscode/test-electron): the
// open folder of each mode, its user settings, and how many host tests each mode must pass.
import { join } from 'node:path';
import type { HostMode } from '../host/hostTests';
import { makeCartRepo, makeFixtureRepo } from './fixtureRepo';

export const HOST_MODES: readonly HostMode[] = ['trusted', 'untrusted', 'bundled'];

/** Host tests each mode registers (hostTests.ts); a mode that ran fewer lost some. */
export const HOST_EXPECTED: Record<HostMode, number> = { trusted: 8, untrusted: 3, bundled: 4 };

/** A fresh git repository for the mode: the demo's cart example for the bundled model, else the math fixture. */
export function hostFolder(mode: HostMode, repoRoot: string): string {
  return mode === 'bundled' ? makeCartRepo(repoRoot) : makeFixtureRepo();
}

/** User settings.json of a host run: the replaying model at `endpointUrl`, or the bundled server with the demo model. */
export function hostSettings(mode: HostMode, endpointUrl: string, repoRoot: string): Record<string, unknown> {
  const common = {
    'hydrapatch.backend': 'openai-compatible',
    'hydrapatch.endpoint': endpointUrl,
    'hydrapatch.endpointModel': 'replay',
    'hydrapatch.testCommand': 'node --test',
    'hydrapatch.parallelTests': 2,
    'hydrapatch.testTimeoutSeconds': 60,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    // Trust is asked for only in the untrusted mode, and never by a prompt.
    'security.workspace.trust.enabled': mode === 'untrusted',
    'security.workspace.trust.startupPrompt': 'never',
  };
  if (mode !== 'bundled') return common;
  return {
    ...common,
    'hydrapatch.backend': 'bundled',
    'hydrapatch.modelPath': join(repoRoot, 'models', 'demo-bigram.gguf'),
    // The demo model's probabilities are stated at temperature 1 (models/README.md).
    'hydrapatch.temperature': 1,
    'hydrapatch.topP': 1,
  };
}
