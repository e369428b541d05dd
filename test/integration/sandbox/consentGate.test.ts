// With the sandbox turned off, the same hostile candidate runs only after the user's explicit
// opt-out; refused, nothing of it runs. (Run unsandboxed, its escapes succeed: this is what the
// sandbox prevents, shown against fake targets the test owns.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { HydrapatchError } from '../../../src/protocol/errors';
import { sandboxLauncher } from '../../../src/core/sandbox/sandboxLauncher';
import type { ConsentRequest } from '../../../src/core/sandbox/types';
import { runCommand } from '../../../src/core/testing/runCommand';
import { makeScene } from './scene';

async function withListener(): Promise<{ port: number; connections: () => number; close: () => void }> {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, connections: () => count, close: () => server.close() };
}

test('sandbox off: the hostile candidate runs only after the explicit opt-out', async (t) => {
  const scene = makeScene('hostileJs');
  t.after(() => scene.cleanup());
  const listener = await withListener();
  t.after(() => listener.close());
  const outsideFile = join(scene.outside, 'escaped.txt');
  const run = (consent?: (r: ConsentRequest) => Promise<boolean>) =>
    runCommand({
      command: 'node --test',
      cwd: scene.worktree,
      timeoutMs: 60_000,
      outputCapBytes: 1 << 20,
      env: { HOME: scene.home, HP_OUTSIDE_FILE: outsideFile, HP_KEY_FILE: scene.secretFile, HP_PORT: String(listener.port), HP_PROCESSES: '20' },
      launcher: sandboxLauncher({ policy: { mode: 'off', consent } }),
    });

  const asked: ConsentRequest[] = [];
  for (const consent of [undefined, async (r: ConsentRequest) => (asked.push(r), false)]) {
    await assert.rejects(run(consent), (err: unknown) => err instanceof HydrapatchError && err.code === 'sandbox_consent_refused' && /hydrapatch\.sandbox/.test(err.hint ?? ''));
  }
  assert.equal(asked.length, 1);
  assert.equal(asked[0]!.mode, 'off');
  assert.equal(existsSync(join(scene.worktree, 'attempts.json')), false, 'refused: the tests did not run');
  assert.equal(existsSync(outsideFile), false);
  assert.equal(listener.connections(), 0);

  const outcome = await run(async () => true);
  assert.equal(outcome.launcher, 'none');
  assert.equal(outcome.exitCode, 0, outcome.output);
  const attempts = JSON.parse(readFileSync(join(scene.worktree, 'attempts.json'), 'utf8'));
  assert.deepEqual([attempts.write, attempts.secret, attempts.gitSwap, attempts.network], ['ok', 'ok', 'ok', 'ok']);
  // What the sandbox's read-only .git prevents: the next git command in the worktree, outside any
  // sandbox, runs the command the candidate put in its own repository's config.
  execFileSync('git', ['status', '--short'], { cwd: scene.worktree, stdio: 'ignore' });
  assert.equal(existsSync(`${outsideFile}.fsmonitor`), true);
  assert.equal(readFileSync(outsideFile, 'utf8'), 'escaped');
  assert.equal(listener.connections(), 1);
});
