// simple-git refuses GIT_* variables it was not told to allow, and passing process.env passes the
// ambient ones too. This gives a client with exactly the given GIT_* variables set and allowed.
import { simpleGit, type SimpleGit } from 'simple-git';

export function gitWithEnv(baseDir: string, gitVars: Record<string, string>): SimpleGit {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.toUpperCase().startsWith('GIT_')) env[k] = v;
  return simpleGit({ baseDir, allowEnvironment: Object.keys(gitVars) }).env({ ...env, ...gitVars });
}
