// The policy gate, with the probe result given (as a caller that probed already would), so that a
// machine without a sandbox can be stood in for on one that has one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireSandboxScratchBase } from '../../../helpers/sandboxScratch';
import { HydrapatchError } from '../../../../src/protocol/errors';
import { sandboxLauncher } from '../../../../src/core/sandbox/sandboxLauncher';
import { wrapCommand } from '../../../../src/core/sandbox/wrapCommand';
import type { ConsentRequest, SandboxInfo, SandboxSpec } from '../../../../src/core/sandbox/types';

const noSandbox: SandboxInfo = {
  kind: 'none', available: false, platform: 'linux', runAsRoot: false,
  reason: 'bubblewrap (bwrap) is not installed', hint: 'install bubblewrap',
  tools: { prlimit: '/usr/bin/prlimit' },
};
const windows: SandboxInfo = { kind: 'none', available: false, platform: 'win32', runAsRoot: false, reason: 'no sandbox is available on win32', tools: {} };

// Not below /tmp: the sandbox puts a fresh tmpfs on /tmp, which would make every folder below it
// walkable and hide what the root-run test looks at.
const root = mkdtempSync(join(requireSandboxScratchBase(), 'wrap-'));
after(() => rmSync(root, { recursive: true }));

function spec(): SandboxSpec {
  const dir = mkdtempSync(join(root, 'wt-'));
  return { command: 'npm test', cwd: dir, writable: [dir], env: { PATH: '/usr/bin', SSH_AUTH_SOCK: '/tmp/agent.sock' } };
}

const isError = (code: string) => (err: unknown) => err instanceof HydrapatchError && err.code === code;

test('required without a sandbox refuses, saying why and what to install', async () => {
  await assert.rejects(wrapCommand(spec(), { mode: 'required', info: noSandbox, consent: async () => true }), (err: unknown) =>
    isError('sandbox_unavailable')(err) && /bubblewrap \(bwrap\) is not installed/.test((err as Error).message) && (err as HydrapatchError).hint === 'install bubblewrap');
});

test('auto without a sandbox runs only after consent, and says why it asks', async () => {
  await assert.rejects(wrapCommand(spec(), { mode: 'auto', info: noSandbox }), isError('sandbox_consent_refused'));
  await assert.rejects(wrapCommand(spec(), { mode: 'auto', info: noSandbox, consent: async () => false }), isError('sandbox_consent_refused'));
  const asked: ConsentRequest[] = [];
  const w = await wrapCommand(spec(), { mode: 'auto', info: noSandbox, consent: async (r) => (asked.push(r), true) });
  assert.deepEqual(asked, [{ mode: 'auto', reason: 'bubblewrap (bwrap) is not installed' }]);
  assert.equal(w.kind, 'none');
  assert.equal(w.file, '/usr/bin/prlimit');
  assert.deepEqual(w.args.slice(-3), ['/bin/sh', '-c', 'npm test']);
  assert.equal(w.env.SSH_AUTH_SOCK, undefined);
});

test('off runs unsandboxed only with the explicit opt-out, even where a sandbox exists', async () => {
  const available: SandboxInfo = { ...noSandbox, kind: 'bwrap', available: true, tools: { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' } };
  await assert.rejects(wrapCommand(spec(), { mode: 'off', info: available }), isError('sandbox_consent_refused'));
  const w = await wrapCommand(spec(), { mode: 'off', info: available, consent: async () => true });
  assert.equal(w.kind, 'none');
});

test('a consent callback must say yes with true, not with something truthy', async () => {
  const sloppy = (async () => 'yes') as unknown as () => Promise<boolean>;
  await assert.rejects(wrapCommand(spec(), { mode: 'auto', info: noSandbox, consent: sloppy }), isError('sandbox_consent_refused'));
});

test('Windows: cmd.exe with the command verbatim, no limits claimed', async () => {
  const w = await wrapCommand(spec(), { mode: 'auto', info: windows, consent: async () => true });
  assert.equal(w.windowsVerbatimArguments, true);
  assert.deepEqual(w.args, ['/d', '/s', '/c', '"npm test"']);
  assert.deepEqual(w.enforcedLimits, []);
});

test('bad input is refused with a hint', async () => {
  await assert.rejects(wrapCommand({ ...spec(), command: '  ' }, { mode: 'auto', info: noSandbox }), isError('sandbox_empty_command'));
  await assert.rejects(wrapCommand({ ...spec(), limits: { processes: 0 } }, { mode: 'auto', info: noSandbox }), (err: unknown) =>
    isError('sandbox_bad_limit')(err) && /processes/.test((err as Error).message) && Boolean((err as HydrapatchError).hint));
});

test('the launcher asks the user once for all the runs of a pipeline', async () => {
  let asked = 0;
  const launcher = sandboxLauncher({ policy: { mode: 'auto', info: noSandbox, consent: async () => (asked += 1, true) } });
  const s = spec();
  for (let i = 0; i < 3; i += 1) assert.equal((await launcher.wrap({ command: 'npm test', cwd: s.cwd, env: {} })).kind, 'none');
  assert.equal(asked, 1);
});

test('root: always drops to a throw-away uid that owns the worktree\'s files (not its .git, not the folder itself)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('handing files to another uid needs root');
  const rootInfo: SandboxInfo = { kind: 'bwrap', available: true, platform: 'linux', runAsRoot: true, tools: { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' } };
  const s = spec();
  writeFileSync(join(s.cwd, 'a.txt'), 'a');
  writeFileSync(join(s.cwd, '.git'), 'gitdir: /nowhere\n');
  chmodSync(root, 0o700);
  const w = await wrapCommand(s, { mode: 'required', info: rootInfo });
  const uid = Number(/--reuid=(\d+)/.exec(w.args.join(' '))?.[1]);
  assert.ok(uid >= 1_000_000_000);
  assert.equal(statSync(join(s.cwd, 'a.txt')).uid, uid);
  assert.equal(statSync(join(s.cwd, '.git')).uid, 0);
  assert.equal(statSync(s.cwd).uid, 0);
  assert.ok(w.enforcedLimits.includes('processes'));
  assert.equal(w.env.GIT_CONFIG_KEY_0, 'safe.directory');
});

test('a sandboxed run gets the environment by allow-list, HOME its own; an unsandboxed one gets it whole', async () => {
  const bwrapInfo: SandboxInfo = { kind: 'bwrap', available: true, platform: 'linux', runAsRoot: false, tools: { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' } };
  const env = {
    PATH: '/usr/bin', HOME: '/home/u', LC_ALL: 'C', GITHUB_TOKEN: 'g', OPENAI_API_KEY: 'o', DB_PASSWORD: 'p', GH_PAT: 'p', NPM_AUTH: 'a', APP_DATABASE_URL: 'u',
    WEB_SESSION: 's', KEY_PASSPHRASE: 'k', SVC_APITOKEN: 't', STRIPE_KEY: 'k', MY_VAR: 'm', TOKENIZERS_PARALLELISM: 'false', HYDRAPATCH_RUN_TAG: 't',
  };
  const inside = await wrapCommand({ ...spec(), env, passEnv: ['MY_VAR'] }, { mode: 'required', info: bwrapInfo });
  assert.deepEqual(Object.keys(inside.env).sort(), ['HOME', 'HYDRAPATCH_RUN_TAG', 'LC_ALL', 'MY_VAR', 'PATH', 'TEMP', 'TMP', 'TMPDIR', 'TOKENIZERS_PARALLELISM']);
  assert.equal(inside.env.HOME, '/home/u', 'the same path, a fresh tmpfs there');
  const outside = await wrapCommand({ ...spec(), env }, { mode: 'off', info: bwrapInfo, consent: async () => true });
  assert.deepEqual(outside.env, env);
});
