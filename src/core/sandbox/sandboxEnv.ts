// The environment inside a sandbox is passed by allow-list: what shells, locales and test runners need,
// and the variables that say where a language's environment is. Everything else (credentials under any
// name: *_PAT, *_AUTH, *_DATABASE_URL, agent sockets, the endpoint key) stays out; a caller passes
// more only by naming it.
import type { GitIdentity } from './types';

const ALLOWED = new Set([
  'PATH', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TERM', 'COLORTERM', 'TZ', 'CI', 'NO_COLOR', 'FORCE_COLOR',
  // Node
  'NODE_ENV', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'NVM_DIR', 'NVM_BIN', 'NVM_INC', 'VOLTA_HOME', 'BUN_INSTALL', 'DENO_DIR',
  // Python
  'PYTHONPATH', 'PYTHONHASHSEED', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'PYTHONUTF8', 'PYTHONWARNINGS',
  'VIRTUAL_ENV', 'CONDA_PREFIX', 'CONDA_DEFAULT_ENV', 'PYENV_ROOT', 'PYENV_VERSION', 'PYENV_SHELL', 'TOKENIZERS_PARALLELISM',
  // Go, Rust, JVM, Ruby
  'GOROOT', 'GOPATH', 'GOCACHE', 'GOMODCACHE', 'GOFLAGS', 'GOTOOLCHAIN', 'GO111MODULE', 'GOPROXY', 'CGO_ENABLED',
  'CARGO_HOME', 'RUSTUP_HOME', 'RUSTUP_TOOLCHAIN', 'RUSTFLAGS', 'RUST_BACKTRACE', 'RUST_LOG', 'CARGO_TERM_COLOR',
  'JAVA_HOME', 'JAVA_TOOL_OPTIONS', 'MAVEN_OPTS', 'GRADLE_USER_HOME', 'GRADLE_OPTS', 'GEM_HOME', 'GEM_PATH', 'BUNDLE_PATH', 'RBENV_ROOT',
  // Hydrapatch's own run tag, by which the runner finds and kills what a run started.
  'HYDRAPATCH_RUN_TAG',
]);
const ALLOWED_PREFIX = /^LC_/;

/** Whether a variable named `name` reaches a sandboxed run unasked. */
export function allowedInSandbox(name: string): boolean {
  return ALLOWED.has(name) || ALLOWED_PREFIX.test(name);
}

export interface SandboxEnvOptions {
  /** The home the run sees (HOME is pointed there). */
  home?: string;
  /** The private temp folder (TMPDIR, TMP, TEMP). */
  tempDir?: string;
  /** Further names the caller passes on. */
  passEnv?: string[];
}

/** The environment of a sandboxed run: the allowed part of `env`, with HOME and temp pointed at the run's own. */
export function sandboxEnv(env: NodeJS.ProcessEnv, options: SandboxEnvOptions): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const passed = new Set(options.passEnv ?? []);
  for (const [name, value] of Object.entries(env)) if (value !== undefined && (allowedInSandbox(name) || passed.has(name))) out[name] = value;
  if (options.home !== undefined) out.HOME = options.home;
  if (options.tempDir !== undefined) {
    out.TMPDIR = options.tempDir;
    out.TMP = options.tempDir;
    out.TEMP = options.tempDir;
  }
  return out;
}

// Agent sockets: a test has no business with the user's ssh or gpg agent or session bus.
const AGENT_SOCKETS = ['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS'];

/** An unsandboxed run (after the user's consent) gets the environment whole but the agent sockets, temp pointed where asked. */
export function unsandboxedEnv(env: NodeJS.ProcessEnv, tempDir: string | undefined): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of AGENT_SOCKETS) delete out[name];
  return tempDir === undefined ? out : { ...out, TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir };
}

/**
 * A root run's throw-away uid does not own the worktree's top folder or its git dir, and git refuses
 * repositories owned by someone else; tests that call git must still work, so the run trusts all (it
 * cannot reach any outside). GIT_CONFIG_COUNT entries count as command-line config, the scope git
 * accepts safe.directory from.
 */
export function trustAllRepositories(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const n = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  return { ...env, GIT_CONFIG_COUNT: String(n + 1), [`GIT_CONFIG_KEY_${n}`]: 'safe.directory', [`GIT_CONFIG_VALUE_${n}`]: '*' };
}

/** A global git config holding only the user's name and email, or undefined when neither is known. */
export function identityConfig(identity: GitIdentity | undefined): string | undefined {
  const quote = (v: string) => `"${v.replace(/[\r\n\0]/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = [
    ...(identity?.name ? [`\tname = ${quote(identity.name)}`] : []),
    ...(identity?.email ? [`\temail = ${quote(identity.email)}`] : []),
  ];
  return lines.length === 0 ? undefined : `[user]\n${lines.join('\n')}\n`;
}
