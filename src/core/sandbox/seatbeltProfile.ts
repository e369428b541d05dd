import type { SandboxPaths } from './sandboxPaths';

export const TEMP_PARAM = 'HYDRAPATCH_TMP';

/** An SBPL string literal: backslashes and quotes escaped. */
function quote(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function rule(verdict: 'allow' | 'deny', ops: string, filters: string[]): string[] {
  return filters.length === 0 ? [] : [`(${verdict} ${ops}`, ...filters.map((f) => `  ${f}`), ')'];
}

const subpaths = (paths: string[]) => paths.map((p) => `(subpath ${quote(p)})`);
const literals = (paths: string[]) => paths.map((p) => `(literal ${quote(p)})`);

/**
 * The sandbox-exec profile for one run on macOS. In SBPL the last matching rule wins, so the order
 * mirrors bwrap's mounts: everything allowed, then network and writes denied, hidden folders and
 * secrets denied, dependencies allowed again for reading, the worktree and temp folder allowed, and
 * the worktree's .git denied writes again last.
 */
export function seatbeltProfile(paths: SandboxPaths, tempDir: string | undefined): string {
  // Without a folder given, the temp folder is the HYDRAPATCH_TMP parameter (sandbox-exec -D), made per run.
  const temp = tempDir === undefined ? `(subpath (param ${quote(TEMP_PARAM)}))` : `(subpath ${quote(tempDir)})`;
  return [
    '(version 1)',
    '(allow default)',
    '(deny network*)',
    '(deny file-write*)',
    ...rule('allow', 'file-write*', [...literals(['/dev/null', '/dev/zero', '/dev/tty']), '(subpath "/dev/fd")']),
    ...rule('deny', 'file-read* file-write*', [...subpaths(paths.hiddenDirs), ...literals(paths.hiddenFiles)]),
    ...rule('allow', 'file-read*', subpaths(paths.readOnly)),
    ...rule('deny', 'file-read* file-write*', [...subpaths(paths.secretDirs), ...literals(paths.secretFiles)]),
    ...rule('allow', 'file-read* file-write*', [...subpaths(paths.writable), temp]),
    ...rule('deny', 'file-write*', [...literals(paths.protectedPaths), ...subpaths(paths.protectedPaths)]),
    '',
  ].join('\n');
}
