// Dependencies are linked into each worktree rather than reinstalled: node_modules, common Python
// virtual environments, and whatever the repository lists in a `.worktreeinclude` file (one path per
// line, '#' comments), as long as the path exists in the user's tree and is not tracked.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';

export const defaultLinkPaths = ['node_modules', '.venv', 'venv'];

function isPlainRelative(p: string): boolean {
  const n = normalize(p);
  return n !== '' && n !== '.' && !isAbsolute(n) && !n.split(sep).includes('..') && n.split(sep)[0] !== '.git';
}

export async function readWorktreeInclude(repoRoot: string): Promise<string[]> {
  const text = await readFile(join(repoRoot, '.worktreeinclude'), 'utf8').catch(() => '');
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The paths to link: requested (or default) plus `.worktreeinclude`, kept when safe and present. */
export async function resolveLinkPaths(repoRoot: string, requested?: string[]): Promise<string[]> {
  const wanted = [...(requested ?? defaultLinkPaths), ...(await readWorktreeInclude(repoRoot))];
  const out: string[] = [];
  for (const p of wanted) {
    const n = normalize(p).replace(/[\\/]+$/, '');
    if (!isPlainRelative(n) || out.includes(n)) continue;
    if (await stat(join(repoRoot, n)).then(() => true, () => false)) out.push(n);
  }
  return out;
}
