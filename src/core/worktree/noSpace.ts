// A full disk (or an exhausted quota) while Hydrapatch makes its own folders is no verdict on any
// candidate: it is told apart, with where it happened and what to do.
import { tmpdir } from 'node:os';
import { HydrapatchError } from '../../protocol/errors';

export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  return /No space left on device|Disk quota exceeded/i.test(err instanceof Error ? err.message : String(err));
}

export function noSpaceError(folder: string, doing: string, cause: unknown): HydrapatchError {
  return new HydrapatchError(
    'disk-full',
    `no space left on the disk holding ${folder} while ${doing}.`,
    `Free some space there, or point TMPDIR at a folder on a disk with room (worktrees are made under ${tmpdir()}).`,
    { cause },
  );
}
