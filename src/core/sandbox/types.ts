// The sandbox contract: a pure "how to spawn" description, so that the test runner keeps its own
// process group, time limit, output cap and kill. Every result records which sandbox ran it.
//
// What a run gets, by platform:
// - Linux, bubblewrap: the whole file system read-only; fresh /tmp, /var/tmp, /run, /dev/shm; hidden
//   folders (the pool, the user's checkout) and home secrets (~/.ssh, ~/.aws, ~/.config, …) replaced by
//   empty tmpfs; dependencies linked into the worktree and its git dir shown read-only; the worktree
//   writable but its .git read-only; no network but loopback; own PID, IPC and UTS namespaces; killed
//   with its starter; CPU, data, process and file-size limits (prlimit). As real root the run drops to
//   a throw-away uid (the kernel never limits root's process count); where that uid could not walk to
//   the worktree (a 0700 home above it) it stays root without capabilities and without that one limit.
// - macOS, sandbox-exec: a generated profile with the same allow/deny order (no network, writes only
//   to the worktree and a private temp folder); CPU and file-size limits only (ulimit).
// - Elsewhere, or by choice: unsandboxed, only after the user's explicit consent.

/** What actually confined a run: bubblewrap (Linux), sandbox-exec (macOS), or nothing. */
export type SandboxKind = 'bwrap' | 'sandbox-exec' | 'none';

/**
 * The `hydrapatch.sandbox` setting (and the CLI's `--sandbox`):
 * - `auto`: use a sandbox where one works; otherwise run unsandboxed only after the user consents.
 * - `required`: refuse to run tests without a sandbox.
 * - `off`: run unsandboxed; the caller must hold the user's explicit opt-out (the consent callback).
 */
export type SandboxMode = 'auto' | 'required' | 'off';

export interface SandboxLimits {
  /** CPU seconds per process (RLIMIT_CPU); wall time is the runner's own limit. */
  cpuSeconds: number;
  /** Private data per process (RLIMIT_DATA: heap and anonymous memory; not address space, which V8 and WebAssembly reserve in bulk). */
  memoryBytes: number;
  /** Processes AND threads the run may have at once (RLIMIT_NPROC counts tasks). */
  processes: number;
  /** Largest file a process may write (RLIMIT_FSIZE). */
  fileSizeBytes: number;
}

export interface SandboxSpec {
  /** A shell command line, run by /bin/sh -c (cmd.exe /c on Windows). */
  command: string;
  /** Working directory; normally the worktree. */
  cwd: string;
  /** Folders the command may change: the worktree. Everything else is read-only or hidden. */
  writable: string[];
  /** Shown read-only even where a hidden folder covers them (dependencies kept outside the worktree). */
  readOnly?: string[];
  /** Hidden entirely: the worktree pool (other candidates), the user's own checkout. */
  hidden?: string[];
  /** Whose secrets (~/.ssh, ~/.aws, ~/.config, ~/.gnupg, …) to hide; default env.HOME, then the OS's. */
  home?: string;
  /** macOS only: a private, empty temp folder the caller owns and removes; without one each run makes and removes its own (Linux uses a fresh tmpfs). */
  tempDir?: string;
  /** The environment the command gets (TMPDIR and friends are overridden to the private temp). */
  env: NodeJS.ProcessEnv;
  /** Missing fields take DEFAULT_LIMITS. */
  limits?: Partial<SandboxLimits>;
}

/** What the probe found, cached per process. `available` false comes with a reason and a hint. */
export interface SandboxInfo {
  kind: SandboxKind;
  available: boolean;
  platform: NodeJS.Platform;
  reason?: string;
  hint?: string;
  /** Absolute paths of the helper programs found. */
  tools: { bwrap?: string; prlimit?: string; setpriv?: string; sandboxExec?: string };
  /** Running as real root: a bwrap run then drops to a throw-away uid, so that the process limit holds. */
  runAsRoot: boolean;
}

export interface ConsentRequest {
  mode: SandboxMode;
  /** Why the tests would run unsandboxed, for the question shown to the user. */
  reason: string;
}

export interface SandboxPolicy {
  mode: SandboxMode;
  /** Asks the user (once per workspace, the caller caches) whether candidate code may run unsandboxed. */
  consent?: (request: ConsentRequest) => Promise<boolean>;
  /** Use this probe result instead of detectSandbox()'s (for a caller that probed already, and for tests). */
  info?: SandboxInfo;
}

/** How to spawn the command: `spawn(file, args, { cwd, env, windowsVerbatimArguments })`. */
export interface WrappedCommand {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  kind: SandboxKind;
  /** Which limits the OS will enforce for this run (some are unavailable on some systems). */
  enforcedLimits: (keyof SandboxLimits)[];
  windowsVerbatimArguments?: boolean;
}
