import { realpath } from 'node:fs/promises';
import { HydrapatchError } from '../../protocol/errors';
import { bwrapArgs } from './bwrapArgs';
import { detectSandbox, throwAwayUid } from './detectSandbox';
import { prlimitArgs, resolveLimits, ulimitPrefix } from './limits';
import { resolveSandboxPaths, worldTraversable, type SandboxPaths } from './sandboxPaths';
import { sandboxEnv, trustAllRepositories } from './sandboxEnv';
import { seatbeltProfile, TEMP_PARAM } from './seatbeltProfile';
import type { SandboxInfo, SandboxLimits, SandboxPolicy, SandboxSpec, WrappedCommand } from './types';

const ALL_LIMITS: (keyof SandboxLimits)[] = ['cpuSeconds', 'memoryBytes', 'processes', 'fileSizeBytes'];

async function requireConsent(policy: SandboxPolicy, reason: string): Promise<void> {
  const agreed = policy.consent ? await policy.consent({ mode: policy.mode, reason }) : false;
  if (agreed === true) return;
  throw new HydrapatchError(
    'sandbox-consent-refused',
    `candidate tests were not run: ${reason}, and running model-written code unsandboxed needs the user's explicit agreement`,
    policy.mode === 'off'
      ? 'confirm running tests without a sandbox (the CLI: --sandbox off --yes-run-unsandboxed), or set hydrapatch.sandbox to "auto"'
      : 'install bubblewrap (Linux), or agree to run tests unsandboxed for this workspace (the CLI: --yes-run-unsandboxed)',
  );
}

/** Unsandboxed, but with whatever resource limits the platform can still set; the user's own environment, whole. */
function unsandboxed(spec: SandboxSpec, limits: SandboxLimits, info: SandboxInfo): WrappedCommand {
  const env = sandboxEnv(spec.env, spec.tempDir, false);
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
      enforcedLimits: info.runAsRoot ? ALL_LIMITS.filter((l) => l !== 'processes') : ALL_LIMITS,
    };
  }
  return {
    ...base,
    file: '/bin/sh',
    args: ['-c', `${ulimitPrefix(limits)} && exec /bin/sh -c "$1"`, 'hydrapatch', spec.command],
    enforcedLimits: ['cpuSeconds', 'fileSizeBytes'],
  };
}

async function inBwrap(spec: SandboxSpec, limits: SandboxLimits, info: SandboxInfo): Promise<WrappedCommand> {
  const { bwrap, prlimit, setpriv } = info.tools;
  if (!bwrap || !prlimit || !setpriv) throw new HydrapatchError('internal', 'bwrap reported available without its helper programs');
  const paths = await resolveSandboxPaths(spec);
  // Where the throw-away uid could not reach the run's paths, root stays root inside (in its own user
  // namespace, without capabilities), and the process limit is the one limit the kernel then skips.
  const root = info.runAsRoot && (await worldTraversable(paths)) ? { uid: throwAwayUid() } : undefined;
  return {
    file: bwrap,
    args: bwrapArgs(spec.command, paths, limits, { prlimit, setpriv }, root),
    cwd: paths.cwd,
    env: root ? trustAllRepositories(sandboxEnv(spec.env, '/tmp')) : sandboxEnv(spec.env, '/tmp'),
    kind: 'bwrap',
    enforcedLimits: info.runAsRoot && !root ? ALL_LIMITS.filter((l) => l !== 'processes') : ALL_LIMITS,
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

function inSeatbelt(spec: SandboxSpec, limits: SandboxLimits, info: SandboxInfo, paths: SandboxPaths, tempDir: string | undefined): WrappedCommand {
  if (!info.tools.sandboxExec) throw new HydrapatchError('internal', 'sandbox-exec reported available without its path');
  const profile = seatbeltProfile(paths, tempDir);
  const limited = `${ulimitPrefix(limits)} && exec /bin/sh -c "$1"`;
  const base = { cwd: paths.cwd, kind: 'sandbox-exec' as const, enforcedLimits: ['cpuSeconds', 'fileSizeBytes'] as (keyof SandboxLimits)[] };
  if (tempDir !== undefined) {
    return { ...base, file: info.tools.sandboxExec, args: ['-p', profile, '/bin/sh', '-c', limited, 'hydrapatch', spec.command], env: sandboxEnv(spec.env, tempDir) };
  }
  return { ...base, file: '/bin/sh', args: ['-c', SEATBELT_WITH_OWN_TEMP, 'hydrapatch', info.tools.sandboxExec, profile, limited, spec.command], env: sandboxEnv(spec.env, undefined) };
}

/**
 * How to spawn one test command under the policy: in bubblewrap or sandbox-exec when available, else
 * unsandboxed only after the user's consent (`auto`), never (`required`), or after the explicit
 * opt-out (`off`, which also asks `consent`). Throws HydrapatchError when the command must not run.
 * Spawns nothing itself: the runner spawns `file` with `args`, in `cwd`, with `env`, in its own
 * process group; killing that group kills everything in the sandbox (--die-with-parent, PID namespace).
 */
export async function wrapCommand(spec: SandboxSpec, policy: SandboxPolicy): Promise<WrappedCommand> {
  if (spec.command.trim() === '') {
    throw new HydrapatchError('sandbox-empty-command', 'the test command is empty', 'give a test command such as "npm test"');
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
    throw new HydrapatchError('sandbox-unavailable', `tests must run in a sandbox (hydrapatch.sandbox = "required"), but ${reason}`, info.hint);
  }
  await requireConsent(policy, reason);
  return unsandboxed(spec, limits, info);
}
