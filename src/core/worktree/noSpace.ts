// A full disk (or an exhausted quota) while Hydrapatch makes its own folders is no verdict on any
// candidate: it is told apart, with where it happened and what to do.
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { HydrapatchError } from '../../protocol/errors';

export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  return /No space left on device|Disk quota exceeded/i.test(err instanceof Error ? err.message : String(err));
}

/**
 * Whether `err`, met while writing under `dir`, came from a full disk. git names no errno ("unable to
 * write file"), so the disk is asked too, before anything written is removed again: under 1 MiB or no
 * inode left counts as full.
 */
export async function ranOutOfSpace(err: unknown, dir: string): Promise<boolean> {
  if (isNoSpace(err)) return true;
  const fs = await statfs(dir).catch(() => null);
  return fs !== null && (fs.bavail * fs.bsize < 1024 * 1024 || (fs.files > 0 && fs.ffree === 0));
}

export function noSpaceError(folder: string, doing: string, cause: unknown): HydrapatchError {
  return new HydrapatchError(
    'disk_full',
    `no space left on the disk holding ${folder} while ${doing}.`,
    `Free some space there, or point TMPDIR at a folder on a disk with room (worktrees are made under ${tmpdir()}).`,
    { cause },
  );
}
