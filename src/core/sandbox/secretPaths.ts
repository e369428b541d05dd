import { join } from 'node:path';

// Where people keep credentials under their home. Hidden from candidate code even though the rest of
// the home stays readable (tests legitimately read ~/.gitconfig, tool caches, …).
const SECRET_DIRS = [
  '.ssh', '.aws', '.config', '.gnupg', '.kube', '.docker', '.azure', '.password-store',
  '.terraform.d', '.local/share/keyrings', '.cache/huggingface',
];
const SECRET_FILES = [
  '.netrc', '.npmrc', '.pypirc', '.git-credentials', '.pgpass', '.vault-token',
  '.bash_history', '.zsh_history', '.python_history', '.node_repl_history',
];

/** Candidate secret locations under `home`; the caller keeps those that exist. */
export function secretPaths(home: string): { dirs: string[]; files: string[] } {
  return {
    dirs: SECRET_DIRS.map((p) => join(home, p)),
    files: SECRET_FILES.map((p) => join(home, p)),
  };
}
