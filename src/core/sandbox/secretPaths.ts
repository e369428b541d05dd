import { join } from 'node:path';

// Where people keep credentials under their home. On Linux a sandboxed run sees no home but the tool
// folders it needs (sandboxPaths), and these stay hidden even inside those; on macOS, where the
// profile shows the home, they are denied.
const SECRET_DIRS = [
  '.ssh', '.aws', '.config', '.gnupg', '.kube', '.docker', '.azure', '.password-store',
  '.terraform.d', '.local/share/keyrings', '.cache/huggingface',
];
const SECRET_FILES = [
  '.netrc', '.npmrc', '.pypirc', '.git-credentials', '.pgpass', '.vault-token',
  '.bash_history', '.zsh_history', '.python_history', '.node_repl_history',
  '.cargo/credentials', '.cargo/credentials.toml',
];

/** Candidate secret locations under `home`; the caller keeps those that exist. */
export function secretPaths(home: string): { dirs: string[]; files: string[] } {
  return {
    dirs: SECRET_DIRS.map((p) => join(home, p)),
    files: SECRET_FILES.map((p) => join(home, p)),
  };
}
