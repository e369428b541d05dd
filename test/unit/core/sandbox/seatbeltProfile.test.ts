import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seatbeltProfile } from '../../../../src/core/sandbox/seatbeltProfile';
import type { SandboxPaths } from '../../../../src/core/sandbox/sandboxPaths';

const paths: SandboxPaths = {
  cwd: '/private/var/pool/wt-1',
  writable: ['/private/var/pool/wt-1'],
  system: [],
  systemLinks: [],
  tools: [],
  home: '/Users/u',
  openTops: [],
  readOnly: ['/Users/u/proj/node_modules'],
  hiddenDirs: ['/private/var/pool', '/Users/u/proj'],
  hiddenFiles: [],
  secretDirs: ['/Users/u/.ssh', '/Users/u/.aws'],
  secretFiles: ['/Users/u/.netrc'],
  scratchDirs: ['/private/tmp'],
  protectedPaths: ['/private/var/pool/wt-1/.git'],
};

const line = (profile: string, text: string) => {
  const i = profile.split('\n').indexOf(text);
  assert.notEqual(i, -1, `profile has ${text}`);
  return i;
};

test('the profile denies all network and all writes but the worktree (not its .git) and the temp folder', () => {
  const profile = seatbeltProfile(paths, '/private/var/folders/x/T/hp-1');
  assert.ok(profile.startsWith('(version 1)\n(allow default)\n(deny network*)\n(deny file-write*)\n'));
  const writable = profile.slice(profile.lastIndexOf('(allow file-read* file-write*'));
  assert.equal(writable, [
    '(allow file-read* file-write*', '  (subpath "/private/var/pool/wt-1")', '  (subpath "/private/var/folders/x/T/hp-1")', ')',
    '(deny file-write*', '  (literal "/private/var/pool/wt-1/.git")', '  (subpath "/private/var/pool/wt-1/.git")', ')', '',
  ].join('\n'));
  assert.doesNotMatch(profile, /allow network/);
});

test('rules come in bwrap mount order, since in SBPL the last matching rule wins', () => {
  const profile = seatbeltProfile(paths, '/tmp/t');
  const hidden = line(profile, '  (subpath "/Users/u/proj")');
  const deps = line(profile, '  (subpath "/Users/u/proj/node_modules")');
  const secret = line(profile, '  (subpath "/Users/u/.ssh")');
  const netrc = line(profile, '  (literal "/Users/u/.netrc")');
  const worktree = line(profile, '  (subpath "/private/var/pool/wt-1")');
  assert.ok(hidden < deps && deps < secret && secret < netrc && netrc < worktree);
});

test('paths are quoted as SBPL strings', () => {
  const profile = seatbeltProfile({ ...paths, writable: ['/Users/u/a "b"\\c'] }, '/tmp/t');
  assert.ok(profile.includes('(subpath "/Users/u/a \\"b\\"\\\\c")'));
});

test('empty lists leave no empty rules behind', () => {
  const profile = seatbeltProfile({ ...paths, readOnly: [], hiddenDirs: [], hiddenFiles: [] }, '/tmp/t');
  assert.doesNotMatch(profile, /\(allow file-read\*\n\)/);
  assert.equal((profile.match(/^\(deny file-read\* file-write\*$/gm) ?? []).length, 1);
});
