// Runs one test command through the sandbox launcher and prints the outcome as JSON: for tests that
// need the pipeline's side to run as another (unprivileged) user, as it does on a developer machine.
// Usage: node --import tsx runAsCaller.ts '<json: command, cwd, env, hidden, limits>'
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import { runCommand } from '../../../src/core/testing/runCommand';

async function main(): Promise<void> {
  const { command, cwd, env, hidden, limits, passEnv } = JSON.parse(process.argv[2] ?? '{}');
  const outcome = await runCommand({
    command, cwd, env, timeoutMs: 60_000, outputCapBytes: 1 << 20,
    launcher: sandboxLauncher({ policy: { mode: 'required' }, hidden, limits, passEnv }),
  });
  process.stdout.write(JSON.stringify(outcome));
}

void main();
