import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bwrapArgs } from '../../../../src/core/sandbox/bwrapArgs';
import { DEFAULT_LIMITS } from '../../../../src/core/sandbox/limits';
import type { SandboxPaths } from '../../../../src/core/sandbox/sandboxPaths';

const paths: SandboxPaths = {
  cwd: '/pool/wt-1',
  writable: ['/pool/wt-1'],
  system: ['/usr', '/etc'],
  systemLinks: [{ path: '/bin', target: 'usr/bin' }],
  tools: ['/home/u/.nvm/versions/node/v20', '/home/u/.cargo'],
  home: '/home/u',
  readOnly: ['/home/u/proj/node_modules', '/home/u/proj/.venv'],
  openTops: [{ dir: '/home/u/proj/node_modules', entries: ['dep', '.bin'] }],
  hiddenDirs: ['/usr/src/proj', '/pool'],
  hiddenFiles: ['/usr/src/proj/.env'],
  secretDirs: ['/home/u/.nvm/versions/node/v20/keys', '/home/u/.ssh'],
  secretFiles: ['/home/u/.cargo/credentials.toml'],
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

test('mounts: only the allow-list on an empty root; scratch, home and masks before what they cover; the worktree writable, its .git read-only; root read-only last', () => {
  const args = bwrapArgs('npm test', paths, DEFAULT_LIMITS, tools);
  assert.ok(!args.some((a, k) => a === '--ro-bind' && args[k + 1] === '/'), 'the host root is not shown');
  const order = [
    mountOf(args, '--ro-bind', '/usr'),
    mountOf(args, '--tmpfs', '/tmp'),
    mountOf(args, '--tmpfs', '/home/u'),
    mountOf(args, '--ro-bind', '/home/u/.nvm/versions/node/v20'),
    mountOf(args, '--tmpfs', '/usr/src/proj'),
    mountOf(args, '--ro-bind', '/usr/src/proj/.env'),
    mountOf(args, '--tmpfs', '/home/u/proj/node_modules'),
    mountOf(args, '--ro-bind', '/home/u/proj/node_modules/dep'),
    mountOf(args, '--ro-bind', '/home/u/proj/.venv'),
    mountOf(args, '--tmpfs', '/home/u/.nvm/versions/node/v20/keys'),
    mountOf(args, '--ro-bind', '/home/u/.cargo/credentials.toml'),
    mountOf(args, '--bind', '/pool/wt-1'),
    mountOf(args, '--ro-bind', '/pool/wt-1/.git'),
    args.indexOf('--remount-ro'),
  ];
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.equal(args[args.indexOf('--symlink') + 1], 'usr/bin');
  assert.equal(args[mountOf(args, '--ro-bind', '/usr/src/proj/.env') + 1], '/dev/null');
  assert.equal(args.filter((a) => a === '--bind').length, 1, 'only the worktree is writable');
  const remounted = args.flatMap((a, k) => (a === '--remount-ro' ? [args[k + 1]] : []));
  assert.deepEqual(remounted.sort(), ['/', '/home/u/.nvm/versions/node/v20/keys', '/run', '/usr/src/proj']);
  // Masks only where something shown would show what they cover.
  assert.ok(!args.some((a, k) => a === '--tmpfs' && ['/pool', '/home/u/.ssh'].includes(args[k + 1]!)));
  for (const flag of ['--unshare-net', '--unshare-pid', '--die-with-parent', '--new-session']) assert.ok(args.includes(flag), flag);
  assert.equal(args[args.indexOf('--chdir') + 1], '/pool/wt-1');
});

test('every tmpfs has a size; the writable ones sum to at most the scratch budget', () => {
  const args = bwrapArgs('true', paths, { ...DEFAULT_LIMITS, scratchBytes: 64 * 1024 ** 2 }, tools);
  const tmpfs = args.flatMap((a, k) => (a === '--tmpfs' ? [k] : []));
  let writable = 0;
  for (const k of tmpfs) {
    const size = args.lastIndexOf('--size', k);
    assert.ok(size > args.lastIndexOf('--tmpfs', k - 1), `${args[k + 1]} has its own --size`);
    if (!['/run', '/usr/src/proj', '/home/u/.nvm/versions/node/v20/keys'].includes(args[k + 1]!)) writable += Number(args[size + 1]);
  }
  assert.ok(writable <= 64 * 1024 ** 2, `${writable}`);
});

test('the git identity is written into the fresh home before the command, passed as arguments', () => {
  const args = bwrapArgs('npm test', paths, DEFAULT_LIMITS, tools, undefined, { gitConfig: '[user]\n\tname = "A"\n' });
  assert.deepEqual(args.slice(-3), ['hydrapatch-sandbox', '[user]\n\tname = "A"\n', 'npm test']);
});

test('limits go to prlimit around /bin/sh -c, the command as one argument', () => {
  const args = bwrapArgs('echo "a b" && exit 3', paths, { cpuSeconds: 7, memoryBytes: 1000, processes: 9, fileSizeBytes: 2000, scratchBytes: 1 << 30 }, tools);
  const p = args.indexOf('/usr/bin/prlimit');
  assert.deepEqual(args.slice(p), ['/usr/bin/prlimit', '--cpu=7', '--data=1000', '--nproc=9', '--fsize=2000', '--', '/bin/sh', '-c', 'echo "a b" && exit 3']);
});

test('an unprivileged run gets its own user namespace and no capabilities', () => {
  const args = bwrapArgs('true', paths, DEFAULT_LIMITS, tools);
  assert.ok(args.includes('--unshare-user'));
  assert.equal(args[args.indexOf('--cap-drop') + 1], 'ALL');
  assert.ok(!args.includes('/usr/bin/setpriv'));
});

test('a root run drops to the throw-away uid with no capabilities at all', () => {
  const args = bwrapArgs('true', paths, DEFAULT_LIMITS, tools, { uid: 1234567890 });
  const s = args.indexOf('/usr/bin/setpriv');
  assert.ok(s > args.indexOf('--'), 'setpriv runs inside the sandbox');
  const setpriv = args.slice(s, args.indexOf('/usr/bin/prlimit'));
  assert.ok(setpriv.includes('--reuid=1234567890') && setpriv.includes('--regid=1234567890') && setpriv.includes('--clear-groups'));
  for (const set of ['--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all', '--no-new-privs']) assert.ok(setpriv.includes(set), set);
  assert.equal(args[args.indexOf('--cap-add') + 1], 'CAP_SETUID,CAP_SETGID', 'bwrap keeps only what setpriv needs to switch uid');
  assert.ok(!args.includes('--unshare-user'));
});
