/**
 * The environment inside a sandbox: the caller's, with temp pointing at the private temp folder and
 * the agent sockets dropped (their folders are hidden, and a leftover path would only confuse tools).
 */
export function sandboxEnv(env: NodeJS.ProcessEnv, tempDir: string | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of ['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS']) delete out[name];
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
