import { execFile } from 'node:child_process';
import { chmod, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { bwrapArgs } from './bwrapArgs';
import { detectSandbox, throwAwayUid } from './detectSandbox';
import { prlimitArgs, resolveLimits, ulimitPrefix } from './limits';
import { resolveSandboxPaths, type SandboxPaths } from './sandboxPaths';
import { identityConfig, sandboxEnv, trustAllRepositories, unsandboxedEnv } from './sandboxEnv';
import { seatbeltProfile, TEMP_PARAM } from './seatbeltProfile';
import type { SandboxInfo, SandboxLimits, SandboxPolicy, SandboxSpec, WrappedCommand } from './types';

const ALL_LIMITS: (keyof SandboxLimits)[] = ['cpuSeconds', 'memoryBytes', 'processes', 'fileSizeBytes', 'scratchBytes'];
// Without a sandbox there is no private tmpfs to bound.
const PROCESS_LIMITS = ALL_LIMITS.filter((l) => l !== 'scratchBytes');

async function requireConsent(policy: SandboxPolicy, reason: string): Promise<void> {
  const agreed = policy.consent ? await policy.consent({ mode: policy.mode, reason }) : false;
  if (agreed === true) return;
  throw new HydrapatchError(
    'sandbox_consent_refused',
    `candidate tests were not run: ${reason}, and running model-written code unsandboxed needs the user's explicit agreement`,
    policy.mode === 'off'
      ? 'confirm running tests without a sandbox (the CLI: --sandbox off --yes-run-unsandboxed), or set hydrapatch.sandbox to "auto"'
      : 'install bubblewrap (Linux), or agree to run tests unsandboxed for this workspace (the CLI: --yes-run-unsandboxed)',
  );
}

/** Unsandboxed, but with whatever resource limits the platform can still set; the user's own environment, whole. */
function unsandboxed(spec: SandboxSpec, limits: SandboxLimits, info: SandboxInfo): WrappedCommand {
  const env = unsandboxedEnv(spec.env, spec.tempDir);
  const base = { cwd: spec.cwd, env, kind: 'none' as const };
  if (info.platform === 'win32') {
    return { ...base, file: spec.env.ComSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', `"${spec.command}"`], enforcedLimits: [], windowsVerbatimArguments: true };
  }
  if (info.tools.prlimit) {
    return {
      ...base,
      file: info.tools.prlimit,
      args: [...prlimitArgs(limits), '--', '/bin/sh', '-c', spec.command],
      // Real root is exempt from RLIMIT_NPROC; only a sandboxed root run switches uid.
      enforcedLimits: info.runAsRoot ? PROCESS_LIMITS.filter((l) => l !== 'processes') : PROCESS_LIMITS,
    };
  }
  return {
    ...base,
    file: '/bin/sh',
    args: ['-c', `${ulimitPrefix(limits)} && exec /bin/sh -c "$1"`, 'hydrapatch', spec.command],
    enforcedLimits: ['cpuSeconds', 'fileSizeBytes'],
  };
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { timeout: 120_000 }, (err) => (err ? reject(err) : resolve())));
}

/**
 * Gives a root run's throw-away uid what it must change: everything in the writable folders but their
 * `.git` (read-only in the run; git outside checks its owner), and the folders themselves open to all
 * (they stay root's, which git outside also checks). Links are changed, never followed.
 */
async function handOver(writable: string[], uid: number): Promise<void> {
  for (const dir of writable) {
    const entries = (await readdir(dir)).filter((e) => e !== '.git').map((e) => join(dir, e));
    if (entries.length > 0) await run('chown', ['-R', '-h', '-P', `${uid}:${uid}`, '--', ...entries]);
    await chmod(dir, 0o777);
  }
}

async function inBwrap(spec: SandboxSpec, limits: SandboxLimits, info: SandboxInfo): Promise<WrappedCommand> {
  const { bwrap, prlimit, setpriv } = info.tools;
  if (!bwrap || !prlimit || !setpriv) throw new HydrapatchError('internal', 'bwrap reported available without its helper programs');
  const paths = await resolveSandboxPaths(spec);
  const root = info.runAsRoot ? { uid: throwAwayUid() } : undefined;
  if (root) {
    await handOver(paths.writable, root.uid).catch((err: unknown) => {
      throw new HydrapatchError('sandbox_setup_failed', `could not hand the worktree to the sandbox's uid: ${(err as Error).message}`, 'check that chown (coreutils) is installed and the worktree is on a local file system', { cause: err });
    });
  }
  const env = sandboxEnv(spec.env, { home: paths.home, tempDir: '/tmp', passEnv: spec.passEnv });
  return {
    file: bwrap,
    args: bwrapArgs(spec.command, paths, limits, { prlimit, setpriv }, root, { gitConfig: identityConfig(spec.gitIdentity) }),
    cwd: paths.cwd,
    env: root ? trustAllRepositories(env) : env,
    kind: 'bwrap',
    enforcedLimits: ALL_LIMITS,
  };
}

// Without a temp folder from the caller, the run makes its own: a shell outside the sandbox creates
// it, hands it to the profile as a parameter, and removes it when the run ends (a run killed outright
// leaves it in $TMPDIR, which macOS clears by itself).
const SEATBELT_WITH_OWN_TEMP = [
  't=$(mktemp -d "${TMPDIR:-/tmp}/hydrapatch.XXXXXX") && t=$(cd "$t" && pwd -P) || exit 125',
  `TMPDIR="$t" TMP="$t" TEMP="$t" "$1" -D ${TEMP_PARAM}="$t" -p "$2" /bin/sh -c "$3" hydrapatch "$4"`,
  'rc=$?; rm -rf "$t"; exit $rc',
].join('\n');

// macOS shows the home (secrets denied by the profile), so HOME stays the user's; without a temp
// folder given, the wrapper makes one under the caller's TMPDIR.
const macEnv = (spec: SandboxSpec, tempDir: string | undefined) => sandboxEnv(spec.env, { home: spec.env.HOME, tempDir: tempDir ?? spec.env.TMPDIR, passEnv: spec.passEnv });

function inSeatbelt(spec: SandboxSpec, limits: SandboxLimits, info: SandboxInfo, paths: SandboxPaths, tempDir: string | undefined): WrappedCommand {
  if (!info.tools.sandboxExec) throw new HydrapatchError('internal', 'sandbox-exec reported available without its path');
  const profile = seatbeltProfile(paths, tempDir);
  const limited = `${ulimitPrefix(limits)} && exec /bin/sh -c "$1"`;
  const base = { cwd: paths.cwd, kind: 'sandbox-exec' as const, enforcedLimits: ['cpuSeconds', 'fileSizeBytes'] as (keyof SandboxLimits)[] };
  if (tempDir !== undefined) {
    return { ...base, file: info.tools.sandboxExec, args: ['-p', profile, '/bin/sh', '-c', limited, 'hydrapatch', spec.command], env: macEnv(spec, tempDir) };
  }
  return { ...base, file: '/bin/sh', args: ['-c', SEATBELT_WITH_OWN_TEMP, 'hydrapatch', info.tools.sandboxExec, profile, limited, spec.command], env: macEnv(spec, undefined) };
}

/**
 * How to spawn one test command under the policy: in bubblewrap or sandbox-exec when available, else
 * unsandboxed only after the user's consent (`auto`), never (`required`), or after the explicit
 * opt-out (`off`, which also asks `consent`). Throws HydrapatchError when the command must not run.
 * Spawns nothing itself: the runner spawns `file` with `args`, in `cwd`, with `env`, in its own
 * process group; killing that group kills everything in the sandbox (--die-with-parent, PID namespace).
 * As root it hands the writable folders' files to the run's fresh uid: wrap right before each spawn.
 */
export async function wrapCommand(spec: SandboxSpec, policy: SandboxPolicy): Promise<WrappedCommand> {
  if (spec.command.trim() === '') {
    throw new HydrapatchError('sandbox_empty_command', 'the test command is empty', 'give a test command such as "npm test"');
  }
  const limits = resolveLimits(spec.limits);
  const info = policy.info ?? (await detectSandbox());
  if (policy.mode === 'off') {
    await requireConsent(policy, 'the sandbox is turned off (hydrapatch.sandbox = "off")');
    return unsandboxed(spec, limits, info);
  }
  if (info.available && info.kind === 'bwrap') return inBwrap(spec, limits, info);
  if (info.available && info.kind === 'sandbox-exec') {
    return inSeatbelt(spec, limits, info, await resolveSandboxPaths(spec), spec.tempDir === undefined ? undefined : await realpath(spec.tempDir));
  }
  const reason = info.reason ?? 'no sandbox is available';
  if (policy.mode === 'required') {
    throw new HydrapatchError('sandbox_unavailable', `tests must run in a sandbox (hydrapatch.sandbox = "required"), but ${reason}`, info.hint);
  }
  await requireConsent(policy, reason);
  return unsandboxed(spec, limits, info);
}
