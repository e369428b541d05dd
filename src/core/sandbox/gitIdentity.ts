// Tests that commit (fixtures made with git) need an author. Inside the sandbox the home is empty, so
// the user's name and email, and only those, are read here, outside, as git would resolve them in the
// worktree (its repository's config, then the user's global config).
import { simpleGit } from 'simple-git';
import type { GitIdentity } from './types';

async function configValue(cwd: string, key: string): Promise<string | undefined> {
  // An unset key makes git exit 1 with nothing printed: no value.
  const out = await simpleGit({ baseDir: cwd, timeout: { block: 10_000 } }).raw(['config', '--get', key]).catch(() => '');
  return out.trim() || undefined;
}

export async function readGitIdentity(cwd: string): Promise<GitIdentity> {
  const [name, email] = await Promise.all([configValue(cwd, 'user.name'), configValue(cwd, 'user.email')]);
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}
