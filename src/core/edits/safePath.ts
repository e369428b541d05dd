// Paths come from model output, so they are hostile until checked: no absolute paths, no '..', nothing
// inside .git, no NUL, no backslashes (which mean a separator on Windows but not here). The directory
// check (symlinks leading out of the tree) is in resolveInside, which needs the file system.
import { realpath, lstat } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute, sep } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';

const hint = 'edits may only touch files inside the repository, by relative path, outside .git';

/** The normalised relative path ('./a//b' -> 'a/b'), or a HydrapatchError 'unsafe_path'. */
export function checkEditPath(path: string): string {
  const bad = (why: string) => new HydrapatchError('unsafe_path', `refused path ${JSON.stringify(path)}: ${why}`, hint);
  if (path.length === 0) throw bad('empty');
  if (path.length > 4096) throw bad('too long');
  if (path.includes('\0')) throw bad('contains NUL');
  if (path.includes('\\')) throw bad('contains a backslash');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) throw bad('absolute');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw bad('names no file');
  if (parts.includes('..')) throw bad("contains '..'");
  if (parts.some((p) => p.toLowerCase() === '.git')) throw bad('inside .git');
  return parts.join('/');
}

/**
 * The absolute path to write `relPath` (already checked) under `root`, refusing when the file or any
 * existing parent is a symlink that resolves outside `root` (or a dangling symlink, whose target could be
 * anywhere).
 */
export async function resolveInside(root: string, relPath: string): Promise<string> {
  const realRoot = await realpath(root);
  const target = join(realRoot, relPath);
  let probe = target;
  for (;;) {
    const st = await lstat(probe).catch(() => undefined);
    if (st) {
      const real = await realpath(probe).catch(() => undefined);
      if (real === undefined || !isWithin(realRoot, real)) {
        throw new HydrapatchError('unsafe_path', `refused path ${JSON.stringify(relPath)}: a symlink leads out of the repository`, hint);
      }
      return probe === target ? real : join(real, relative(probe, target));
    }
    const parent = dirname(probe);
    if (parent === probe) throw new HydrapatchError('unsafe_path', `refused path ${JSON.stringify(relPath)}: outside the repository`, hint);
    probe = parent;
  }
}

function isWithin(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}
