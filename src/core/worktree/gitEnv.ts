// simple-git refuses GIT_* variables it was not told to allow, and passing process.env passes the
// ambient ones too. This gives a client with exactly the given GIT_* variables set and allowed.
import { simpleGit, type SimpleGit } from 'simple-git';

// simple-git also refuses these (they name programs git may run); VS Code's extension host and many
// shells set EDITOR or PAGER, and git needs none of them here.
const refusedByName = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

export function gitWithEnv(baseDir: string, gitVars: Record<string, string>): SimpleGit {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    const name = k.toUpperCase();
    if (v !== undefined && !name.startsWith('GIT_') && !refusedByName.has(name)) env[k] = v;
  }
  return simpleGit({ baseDir, allowEnvironment: Object.keys(gitVars) }).env({ ...env, ...gitVars });
}
