import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

// System folders first: a project's PATH (node_modules/.bin, a venv) must not decide which bwrap runs.
const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** The absolute path of an executable named `name`, or undefined. */
export async function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of [...SYSTEM_DIRS, ...pathEnv.split(delimiter).filter(Boolean)]) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next folder
    }
  }
  return undefined;
}
