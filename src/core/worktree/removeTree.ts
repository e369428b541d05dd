// Removing what a candidate left must not fail on what it left: folders nested past PATH_MAX (which
// node's rm reaches only by absolute paths, and recurses into until its stack overflows), read-only
// folders, names in any bytes. The system's rm walks relative to each folder (fts), so depth is no
// limit; chmod -R first gives the owner the write permission that unlinking entries needs.
import { execFile } from 'node:child_process';
import { lstat, rm } from 'node:fs/promises';

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve) => execFile(file, args, { timeout: 120_000 }, () => resolve()));
}

const exists = (path: string) => lstat(path).then(() => true, () => false);

/** Removes `path` and everything below it; true when it is gone. Never throws. */
export async function removeTree(path: string): Promise<boolean> {
  if (await rm(path, { recursive: true, force: true }).then(() => true, () => false)) return true;
  const info = await lstat(path).catch(() => null);
  if (!info) return true;
  if (process.platform !== 'win32') {
    // Neither command follows symbolic links while walking (GNU and BSD alike); chmod would follow
    // one named on its command line, so only a real folder is named.
    if (info.isDirectory()) await run('chmod', ['-R', 'u+rwx', '--', path]);
    await run('rm', ['-rf', '--', path]);
  }
  return !(await exists(path));
}
