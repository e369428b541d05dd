// Credentials people keep in their environment (API keys for the model endpoint among them). Without
// network the code cannot send them anywhere, but it could print them into test output that is shown
// and may be sent on to a model; tests rarely need them.
const SECRET_NAME = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|APIKEY|CREDENTIALS?)(_|$)|(^|_)(API|ACCESS|PRIVATE|SECRET)_KEY(_|$)/i;
const AGENT_SOCKETS = ['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS'];

/**
 * The environment inside a sandbox: the caller's, with temp pointing at the private temp folder, the
 * agent sockets dropped (their folders are hidden, and a leftover path would only confuse tools) and,
 * when `dropSecrets`, variables named like credentials removed.
 */
export function sandboxEnv(env: NodeJS.ProcessEnv, tempDir: string | undefined, dropSecrets = true): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (AGENT_SOCKETS.includes(name) || (dropSecrets && SECRET_NAME.test(name))) continue;
    out[name] = value;
  }
  if (tempDir !== undefined) {
    out.TMPDIR = tempDir;
    out.TMP = tempDir;
    out.TEMP = tempDir;
  }
  return out;
}

/**
 * A root run's throw-away uid does not own the worktree, and git refuses repositories owned by someone
 * else; tests that call git must still work, so the run trusts all (it cannot reach any outside).
 * GIT_CONFIG_COUNT entries count as command-line config, the scope git accepts safe.directory from.
 */
export function trustAllRepositories(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const n = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  return { ...env, GIT_CONFIG_COUNT: String(n + 1), [`GIT_CONFIG_KEY_${n}`]: 'safe.directory', [`GIT_CONFIG_VALUE_${n}`]: '*' };
}
