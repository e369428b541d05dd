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
