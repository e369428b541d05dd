import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { bwrapArgs } from './bwrapArgs';
import { findExecutable } from './findExecutable';
import { DEFAULT_LIMITS } from './limits';
import { resolveSandboxPaths } from './sandboxPaths';
import type { SandboxInfo } from './types';

const INSTALL_BWRAP = 'install bubblewrap (Debian/Ubuntu: sudo apt install bubblewrap; Fedora: sudo dnf install bubblewrap), or set hydrapatch.sandbox to "off" to run tests unsandboxed';
const ENABLE_USERNS = 'allow unprivileged user namespaces (Debian: sudo sysctl -w kernel.unprivileged_userns_clone=1; Ubuntu 24.04+: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for /usr/bin/bwrap; containers: run with --security-opt seccomp=unconfined or as root), or set hydrapatch.sandbox to "off"';

const MOUNT_BLOCKED = 'bubblewrap may not mount here (typical in a container with a masked /proc): run the container with --privileged or a seccomp/AppArmor profile that allows mounts in a user namespace, or set hydrapatch.sandbox to "off"';

/** A throw-away uid for a root run, far above any real account's. */
export function throwAwayUid(): number {
  return randomInt(1_000_000_000, 2_000_000_000);
}

function run(file: string, args: string[]): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 15_000 }, (err, _stdout, stderr) => resolve({ ok: !err, stderr: String(stderr).trim() }));
  });
}

async function probeLinux(): Promise<SandboxInfo> {
  const runAsRoot = process.getuid?.() === 0;
  const [bwrap, prlimit, setpriv] = await Promise.all(['bwrap', 'prlimit', 'setpriv'].map((n) => findExecutable(n)));
  const base = { platform: process.platform, tools: { bwrap, prlimit, setpriv }, runAsRoot };
  if (!bwrap) {
    return { ...base, kind: 'none', available: false, reason: 'bubblewrap (bwrap) is not installed', hint: INSTALL_BWRAP };
  }
  if (!prlimit || !setpriv) {
    return {
      ...base, kind: 'none', available: false,
      reason: `${!prlimit ? 'prlimit' : 'setpriv'} (util-linux) is not installed, so resource limits cannot be set`,
      hint: 'install util-linux (Debian/Ubuntu: sudo apt install util-linux), or set hydrapatch.sandbox to "off"',
    };
  }
  // Probe with exactly the flags a real run uses, so "available" means "a real run will start".
  const temp = tmpdir();
  const paths = await resolveSandboxPaths({ command: 'exit 0', cwd: temp, writable: [temp], env: process.env });
  const args = bwrapArgs('exit 0', paths, DEFAULT_LIMITS, { prlimit, setpriv }, runAsRoot ? { uid: throwAwayUid() } : undefined);
  const probe = await run(bwrap, args);
  if (probe.ok) return { ...base, kind: 'bwrap', available: true };
  return { ...base, kind: 'none', available: false, ...explainBwrapFailure(probe.stderr) };
}

/** Why bwrap failed to start, from what it printed, and what the user can do about it. */
export function explainBwrapFailure(stderr: string): { reason: string; hint: string } {
  const reason = `bubblewrap cannot start a sandbox here${stderr ? `: ${stderr}` : ''}`;
  if (/namespace|uid map|Operation not permitted|Permission denied/i.test(stderr)) return { reason, hint: ENABLE_USERNS };
  if (/mount/i.test(stderr)) return { reason, hint: MOUNT_BLOCKED };
  return { reason, hint: `check that "bwrap --ro-bind / / true" works on this machine; ${INSTALL_BWRAP}` };
}

async function probeMac(): Promise<SandboxInfo> {
  const sandboxExec = await findExecutable('sandbox-exec');
  const base = { platform: process.platform, tools: { sandboxExec }, runAsRoot: process.getuid?.() === 0 };
  if (!sandboxExec) {
    return { ...base, kind: 'none', available: false, reason: 'sandbox-exec was not found in /usr/bin', hint: 'set hydrapatch.sandbox to "off" to run tests unsandboxed' };
  }
  const probe = await run(sandboxExec, ['-p', '(version 1)(allow default)', '/usr/bin/true']);
  return probe.ok
    ? { ...base, kind: 'sandbox-exec', available: true }
    : { ...base, kind: 'none', available: false, reason: `sandbox-exec cannot start a sandbox here: ${probe.stderr}`, hint: 'set hydrapatch.sandbox to "off" to run tests unsandboxed' };
}

async function probe(): Promise<SandboxInfo> {
  if (process.platform === 'linux') return probeLinux();
  if (process.platform === 'darwin') return probeMac();
  return {
    kind: 'none', available: false, platform: process.platform, tools: {}, runAsRoot: false,
    reason: `no sandbox is available on ${process.platform}`,
    hint: 'run Hydrapatch in WSL or a Linux container to sandbox test runs, or agree to run them unsandboxed',
  };
}

let cached: Promise<SandboxInfo> | undefined;

/** Which sandbox this machine offers, and if none, why. Probed once per process (a few ms), then cached. */
export function detectSandbox(options: { refresh?: boolean } = {}): Promise<SandboxInfo> {
  if (!cached || options.refresh) cached = probe();
  return cached;
}
