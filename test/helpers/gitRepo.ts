// Real git repositories for tests, made in temp folders from a map of files or a fixture folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const fixturesDir = join(__dirname, '..', 'fixtures');

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_OPTIONAL_LOCKS: '0' },
  });
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export interface TempRepo {
  dir: string;
  cleanup(): void;
}

/** A repository with `files` committed on main. */
export function makeRepo(files: Record<string, string | Buffer>): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), 'hp-test-repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A repository holding a copy of test/fixtures/<name>, committed. */
export function repoFromFixture(name: string): TempRepo {
  const repo = makeRepo({});
  cpSync(join(fixturesDir, name), repo.dir, { recursive: true });
  git(repo.dir, 'add', '-A');
  git(repo.dir, 'commit', '-q', '--allow-empty', '-m', `fixture ${name}`);
  return repo;
}

/** Every file under `dir` (including .git) with its content hash: a byte-for-byte fingerprint. */
export function fingerprint(dir: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(rel, st.isSymbolicLink() ? `link:${readlinkSync(p)}` : createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** The user's side of a repository: its files, index, refs, stash; not the objects and worktree records a run may add. */
export function userState(dir: string): Map<string, string> {
  return fingerprint(dir, (rel) => rel.startsWith('.git/objects') || rel.startsWith('.git/worktrees'));
}
