// Tests that commit (fixtures made with git) need an author. Inside the sandbox the home is empty, so
// the user's name and email, and only those, are read here, outside, as git would resolve them in the
// worktree (its repository's config, then the user's global config).
import { execFile } from 'node:child_process';
import type { GitIdentity } from './types';

function configValue(cwd: string, key: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', key], { cwd, timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

export async function readGitIdentity(cwd: string): Promise<GitIdentity> {
  const [name, email] = await Promise.all([configValue(cwd, 'user.name'), configValue(cwd, 'user.email')]);
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}
