// A real set-up for sandbox tests: a user's checkout (a git repository made from a fixture), one
// detached worktree of it in a pool folder, a fake home holding an SSH key, and a folder outside both.
// Made outside /tmp (test/helpers/sandboxScratch.ts): the sandbox replaces /tmp with a fresh
// tmpfs, which would hide the fake home for the wrong reason and let a broken mask pass unnoticed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, lstatSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { requireSandboxScratchBase } from '../../helpers/sandboxScratch';

const repoRoot = join(dirname(__filename), '..', '..', '..');
const fixtures = join(repoRoot, 'test', 'fixtures', 'sandbox');

export interface Scene {
  root: string;
  home: string;
  secretFile: string;
  user: string;
  pool: string;
  worktree: string;
  outside: string;
  cleanup(): void;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'ignore' });
}

/** Copies fixture `name` (without its deps/ folder) into a fresh git repository and a worktree of it. */
export function makeScene(name: string): Scene {
  const base = requireSandboxScratchBase();
  const root = mkdtempSync(join(base, 'sandbox-'));
  // Like a checkout anywhere but a private home: a root run's throw-away uid can walk to it.
  chmodSync(root, 0o755);
  const home = join(root, 'home');
  const secretFile = join(home, '.ssh', 'id_ed25519');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(secretFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n');
  const user = join(root, 'user');
  cpSync(join(fixtures, name), user, { recursive: true, filter: (src) => !src.startsWith(join(fixtures, name, 'deps')) });
  git(user, 'init', '-q', '-b', 'main');
  git(user, 'add', '-A');
  git(user, 'commit', '-q', '-m', 'fixture');
  const pool = join(root, 'pool');
  const worktree = join(pool, 'wt-1');
  mkdirSync(pool);
  git(user, 'worktree', 'add', '-q', '--detach', worktree);
  const outside = join(root, 'outside');
  mkdirSync(outside);
  return { root, home, secretFile, user, pool, worktree, outside, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Installs fixture `name`'s deps/ as the user's node_modules and links it into the worktree. */
export function linkNodeModules(scene: Scene, name: string): void {
  cpSync(join(fixtures, name, 'deps'), join(scene.user, 'node_modules'), { recursive: true });
  symlinkSync(join(scene.user, 'node_modules'), join(scene.worktree, 'node_modules'));
}

/** Makes a real virtual environment in the user's checkout, installs deps/ into it, links it into the worktree. */
export function linkVenv(scene: Scene, name: string): void {
  const venv = join(scene.user, '.venv');
  execFileSync('python3', ['-m', 'venv', '--without-pip', venv], { stdio: 'ignore' });
  const lib = join(venv, 'lib');
  const sitePackages = join(lib, readdirSync(lib).find((d) => d.startsWith('python'))!, 'site-packages');
  cpSync(join(fixtures, name, 'deps'), sitePackages, { recursive: true });
  symlinkSync(venv, join(scene.worktree, '.venv'));
}

/** Every path under `dir` but those under `skip`, with a digest of its content (or link target). */
export function treeDigest(dir: string, skip: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip.includes(p)) continue;
      const st = lstatSync(p);
      const key = relative(dir, p);
      if (st.isSymbolicLink()) out.set(key, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(key, 'dir');
        walk(p);
      } else out.set(key, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}
