// The files context may come from: tracked plus untracked-not-ignored (`git ls-files`), minus what is
// never useful to a model and costs budget: vendored and generated folders, lock files, minified
// bundles, binaries and huge files.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HydrapatchError } from '../../protocol/errors';
import { gitWithEnv } from '../worktree/gitEnv';

const vendoredDirs = new Set([
  'node_modules', 'vendor', 'third_party', 'third-party', 'dist', 'build', 'out', 'target', '.venv', 'venv', 'env',
  '__pycache__', '.tox', '.mypy_cache', '.pytest_cache', '.next', '.nuxt', 'coverage', 'bower_components', '.git', '.cache',
]);
const binaryExt = /\.(png|jpe?g|gif|bmp|ico|webp|pdf|zip|gz|tgz|bz2|xz|7z|tar|jar|war|class|o|a|so|dylib|dll|exe|bin|wasm|gguf|safetensors|pt|pth|onnx|npy|npz|pkl|woff2?|ttf|otf|eot|mp[34]|wav|ogg|mov|avi|sqlite|db)$/i;
const generated = /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock)$|\.min\.(js|css)$|\.map$/;

export interface RepoFile {
  /** Repository-relative, '/' separated. */
  path: string;
  text: string;
}

export interface ListOptions {
  /** Files larger than this are skipped (default 200 KB). */
  maxFileBytes?: number;
  /** At most this many files are read (default 5000), in path order. */
  maxFiles?: number;
}

/** The top folder of the git repository holding `dir`: edits and paths are relative to it. */
export async function repoRoot(dir: string): Promise<string> {
  try {
    // Without the ambient GIT_* variables (a GIT_DIR set by a hook would point at another repository).
    return (await gitWithEnv(dir, {}).revparse(['--show-toplevel'])).trim();
  } catch (err) {
    throw new HydrapatchError('not_a_repo', `${dir} is not inside a git repository`, 'run Hydrapatch on a folder inside a git repository (git init)', { cause: err });
  }
}

/** Paths (relative to the repository's top) git knows, tracked and untracked-not-ignored, filtered. */
export async function listRepoPaths(repoDir: string): Promise<string[]> {
  const top = await repoRoot(repoDir);
  const stdout = await gitWithEnv(top, {}).raw(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const paths = [...new Set(stdout.split('\0').filter(Boolean))];
  return paths.filter((p) => !p.split('/').some((part) => vendoredDirs.has(part)) && !binaryExt.test(p) && !generated.test(p)).sort();
}

/** The useful text files of the repository, read. Binary content (NUL in the first 8 KB) is skipped. */
export async function readRepoFiles(repoDir: string, options: ListOptions = {}): Promise<RepoFile[]> {
  const maxBytes = options.maxFileBytes ?? 200_000;
  const top = await repoRoot(repoDir);
  const paths = (await listRepoPaths(top)).slice(0, options.maxFiles ?? 5000);
  const out: RepoFile[] = [];
  for (const path of paths) {
    const abs = join(top, path);
    const st = await stat(abs).catch(() => undefined);
    if (!st || !st.isFile() || st.size > maxBytes) continue;
    const buf = await readFile(abs);
    if (buf.subarray(0, 8192).includes(0)) continue;
    out.push({ path, text: buf.toString('utf8') });
  }
  return out;
}
