// The sandbox contract: a pure "how to spawn" description, so that the test runner keeps its own
// process group, time limit, output cap and kill. Every result records which sandbox ran it.
//
// What a run gets, by platform:
// - Linux, bubblewrap: only an allow-list is visible, read-only: the system folders (/usr, /etc, /opt,
//   …), the folders of the tools on PATH and of the language environments named in the environment
//   (a virtualenv, GOROOT, JAVA_HOME, ~/.nvm, ~/.cargo, …), the dependencies linked into the worktree
//   and its git dir; the rest of the file system (homes, /var, /srv, sockets anywhere) does not exist.
//   Home secrets (~/.ssh, ~/.aws, ~/.config, …) stay hidden even inside those. Fresh, size-bounded
//   tmpfs on /tmp (/var/tmp links to it), /dev/shm, the home, node_modules' top level (for the caches
//   tools write there); the worktree writable but its .git read-only; no network but loopback, so no
//   abstract sockets; own PID, IPC and UTS namespaces; killed with its starter; CPU, data, process and
//   file-size limits (prlimit); environment by allow-list; the user's git name and email. No
//   capabilities: as real root the run drops to a throw-away uid that owns the worktree and nothing
//   else (the kernel never limits root's process count, and root could read /etc/shadow).
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
  /**
   * RAM the run's writable tmpfs mounts (/tmp, /dev/shm, its home, node_modules' top level) may pin
   * together, whatever its processes do; counted per run, so parallel runs multiply it.
   */
  scratchBytes: number;
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
  /** The home the run sees (empty but for the allow-listed tool folders); default env.HOME, then the OS's. */
  home?: string;
  /** Variables passed on although not on the allow-list (sandboxEnv's ALLOWED): the caller's own, named. */
  passEnv?: string[];
  /** The user's git identity (user.name and user.email, nothing else) for git inside the run. */
  gitIdentity?: GitIdentity;
  /** macOS only: a private, empty temp folder the caller owns and removes; without one each run makes and removes its own (Linux uses a fresh tmpfs). */
  tempDir?: string;
  /** The environment the command gets (TMPDIR and friends are overridden to the private temp). */
  env: NodeJS.ProcessEnv;
  /** Missing fields take DEFAULT_LIMITS. */
  limits?: Partial<SandboxLimits>;
}

export interface GitIdentity {
  name?: string;
  email?: string;
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
