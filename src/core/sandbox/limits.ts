import type { SandboxLimits } from './types';
import { HydrapatchError } from '../../protocol/errors';

// Generous enough for `node --test` on a 16-core machine (15 workers of ~10 threads each), small
// enough that a fork bomb stops long before the machine does.
export const DEFAULT_LIMITS: SandboxLimits = {
  cpuSeconds: 600,
  memoryBytes: 4 * 1024 ** 3,
  processes: 256,
  fileSizeBytes: 1024 ** 3,
  scratchBytes: 1024 ** 3,
};

/** Most of the machine's memory all parallel runs' scratch may pin together. */
const SCRATCH_SHARE_OF_RAM = 0.25;

/** The scratch budget of one of `parallelRuns` runs: the limit, lowered so that together they stay under a quarter of RAM. */
export function scratchPerRun(limit: number, parallelRuns: number, totalMemory: number): number {
  return Math.max(16 * 1024 ** 2, Math.min(limit, Math.floor((totalMemory * SCRATCH_SHARE_OF_RAM) / Math.max(1, parallelRuns))));
}

/**
 * Sizes of a run's writable tmpfs mounts, summing to at most its scratch budget: half for /tmp, a
 * quarter for the home, an eighth for /dev/shm, an eighth shared by the node_modules top levels.
 */
export function scratchSizes(scratchBytes: number, openTops: number): { tmp: number; home: number; shm: number; top: number } {
  const page = 4096;
  const floor = (n: number) => Math.max(page, Math.floor(n / page) * page);
  return { tmp: floor(scratchBytes / 2), home: floor(scratchBytes / 4), shm: floor(scratchBytes / 8), top: floor(scratchBytes / 8 / Math.max(1, openTops)) };
}

export function resolveLimits(partial: Partial<SandboxLimits> | undefined): SandboxLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new HydrapatchError(
        'sandbox_bad_limit',
        `sandbox limit ${name} must be a positive whole number, got ${String(value)}`,
        'pass limits such as { cpuSeconds: 600, memoryBytes: 4294967296, processes: 256, fileSizeBytes: 1073741824, scratchBytes: 1073741824 }',
      );
    }
  }
  return limits;
}

/** util-linux prlimit options; soft and hard limit alike, so the command cannot raise them back. */
export function prlimitArgs(limits: SandboxLimits): string[] {
  return [
    `--cpu=${limits.cpuSeconds}`,
    `--data=${limits.memoryBytes}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeBytes}`,
  ];
}

/**
 * A POSIX sh prefix for systems without prlimit (macOS). Only CPU time and file size: macOS counts
 * RLIMIT_NPROC over all of the user's processes and ignores RLIMIT_DATA, so those would either break
 * every run or do nothing. `ulimit -f` counts 512-byte blocks (POSIX).
 */
export function ulimitPrefix(limits: SandboxLimits): string {
  return `ulimit -t ${limits.cpuSeconds} && ulimit -f ${Math.ceil(limits.fileSizeBytes / 512)}`;
}
