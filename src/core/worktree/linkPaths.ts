// Dependencies are linked into each worktree rather than reinstalled: node_modules, common Python
// virtual environments, and whatever the repository lists in a `.worktreeinclude` file (one path per
// line, '#' comments), as long as the path exists in the user's tree. An environment folder is linked
// as a whole whatever git thinks of single files in it (a .venv whose pyvenv.cfg is committed or not
// ignored): the few files a checkout put there are replaced by the link to the real environment.
import { lstat, mkdir, readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';

/** Environment folders linked by default. (Rust's target/ is not: builds write to it, and links are read-only in the sandbox.) */
export const defaultLinkPaths = ['node_modules', '.venv', 'venv', '.tox'];

/** Links each path of the user's tree into `dir`: a folder checked out there is replaced by the link, a file or link is kept. */
export async function linkInto(repoRoot: string, dir: string, paths: string[]): Promise<void> {
  for (const p of paths) {
    const target = join(dir, p);
    const st = await lstat(target).catch(() => null);
    if (st && !st.isDirectory()) continue;
    if (st) await rm(target, { recursive: true, force: true });
    await mkdir(dirname(target), { recursive: true });
    // To where the user's folder really is: it may itself be a link, and the user's tree is hidden from test runs.
    await symlink(await realpath(join(repoRoot, p)).catch(() => join(repoRoot, p)), target);
  }
}

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
