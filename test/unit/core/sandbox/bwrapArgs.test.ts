import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bwrapArgs } from '../../../../src/core/sandbox/bwrapArgs';
import { DEFAULT_LIMITS } from '../../../../src/core/sandbox/limits';
import type { SandboxPaths } from '../../../../src/core/sandbox/sandboxPaths';

const paths: SandboxPaths = {
  cwd: '/pool/wt-1',
  writable: ['/pool/wt-1'],
  readOnly: ['/home/u/proj/node_modules'],
  hiddenDirs: ['/pool', '/home/u/proj'],
  hiddenFiles: ['/home/u/proj/.env'],
  secretDirs: ['/home/u/.ssh'],
  secretFiles: ['/home/u/.netrc'],
  scratchDirs: ['/tmp', '/run'],
  protectedPaths: ['/pool/wt-1/.git'],
};
const tools = { prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' };

/** Index of the mount whose target is `path` (the last argument of its triple). */
function mountOf(args: string[], flag: string, path: string): number {
  const i = args.findIndex((a, k) => a === flag && args[k + (flag === '--tmpfs' ? 1 : 2)] === path);
  assert.notEqual(i, -1, `${flag} ${path} is mounted`);
  return i;
}

test('mounts: read-only root, then scratch and hidden, deps shown again, secrets hidden, worktree writable, its .git read-only last', () => {
  const args = bwrapArgs('npm test', paths, DEFAULT_LIMITS, tools);
  assert.deepEqual(args.slice(0, 3), ['--ro-bind', '/', '/']);
  const order = [
    mountOf(args, '--tmpfs', '/tmp'),
    mountOf(args, '--tmpfs', '/pool'),
    mountOf(args, '--ro-bind', '/home/u/proj/.env'),
    mountOf(args, '--ro-bind', '/home/u/proj/node_modules'),
    mountOf(args, '--tmpfs', '/home/u/.ssh'),
    mountOf(args, '--ro-bind', '/home/u/.netrc'),
    mountOf(args, '--bind', '/pool/wt-1'),
    mountOf(args, '--ro-bind', '/pool/wt-1/.git'),
  ];
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.equal(args[mountOf(args, '--ro-bind', '/home/u/proj/.env') + 1], '/dev/null');
  assert.equal(args.filter((a) => a === '--bind').length, 1, 'only the worktree is writable');
  for (const flag of ['--unshare-net', '--unshare-pid', '--die-with-parent', '--new-session']) assert.ok(args.includes(flag), flag);
  assert.equal(args[args.indexOf('--chdir') + 1], '/pool/wt-1');
});

test('limits go to prlimit around /bin/sh -c, the command as one argument', () => {
  const args = bwrapArgs('echo "a b" && exit 3', paths, { cpuSeconds: 7, memoryBytes: 1000, processes: 9, fileSizeBytes: 2000 }, tools);
  const p = args.indexOf('/usr/bin/prlimit');
  assert.deepEqual(args.slice(p), ['/usr/bin/prlimit', '--cpu=7', '--data=1000', '--nproc=9', '--fsize=2000', '--', '/bin/sh', '-c', 'echo "a b" && exit 3']);
});

test('an unprivileged run gets its own user namespace and no capabilities', () => {
  const args = bwrapArgs('true', paths, DEFAULT_LIMITS, tools);
  assert.ok(args.includes('--unshare-user'));
  assert.equal(args[args.indexOf('--cap-drop') + 1], 'ALL');
  assert.ok(!args.includes('/usr/bin/setpriv'));
});

test('a root run drops to the throw-away uid, keeping only the capabilities to write the worktree', () => {
  const args = bwrapArgs('true', paths, DEFAULT_LIMITS, tools, { uid: 1234567890 });
  const s = args.indexOf('/usr/bin/setpriv');
  assert.ok(s > args.indexOf('--'), 'setpriv runs inside the sandbox');
  const setpriv = args.slice(s, args.indexOf('/usr/bin/prlimit'));
  assert.ok(setpriv.includes('--reuid=1234567890') && setpriv.includes('--regid=1234567890') && setpriv.includes('--clear-groups'));
  assert.ok(setpriv.includes('--bounding-set=-all,+dac_override,+fowner'));
  assert.ok(setpriv.includes('--no-new-privs'));
  assert.ok(!args.includes('--unshare-user'));
});
