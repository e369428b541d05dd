#!/usr/bin/env node
// Idempotent set-up for a fresh machine, run by `npm start` and `npm test` (and so by .ci/run):
// system packages (Debian: the Vulkan CPU driver from bookworm-backports, bubblewrap, git, chromium),
// npm dependencies, and (with --build) the bundles in dist/. Each step is skipped when already done, so a second run is quick.
import { existsSync, readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const quiet = process.argv.includes('--quiet');
const log = (s) => { if (!quiet) process.stderr.write(`[setup] ${s}\n`); };

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });
  if (r.status !== 0) {
    process.stderr.write(`[setup] failed: ${cmd} ${args.join(' ')} (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
}
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const debInstalled = (pkg) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;

function lavapipeOk() {
  // Mesa 25 (bookworm-backports) lavapipe; Debian 12's own Mesa 22 is refused by Dawn.
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'mesa-vulkan-drivers'], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  return parseInt(r.stdout, 10) >= 23;
}

function systemPackages() {
  if (process.platform !== 'linux' || !existsSync('/etc/debian_version')) return;
  const want = [];
  const needLavapipe = !lavapipeOk() && !process.env.HYDRAPATCH_SKIP_LAVAPIPE;
  if (!has('bwrap')) want.push('bubblewrap');
  if (!has('git')) want.push('git');
  if (process.env.HYDRAPATCH_E2E !== '0' && !has('chromium')) want.push('chromium');
  // code-server's kerberos module (the end-to-end tests' VS Code) compiles against these headers.
  if (process.env.HYDRAPATCH_E2E !== '0' && !debInstalled('libkrb5-dev')) want.push('libkrb5-dev');
  if (!needLavapipe && want.length === 0) return;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `[setup] missing system packages: ${[needLavapipe ? 'mesa-vulkan-drivers (bookworm-backports)' : '', ...want].filter(Boolean).join(', ')}.\n` +
      `[setup] run as root: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1; apt-get install ${want.join(' ')}\n`,
    );
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (needLavapipe) {
    const list = '/etc/apt/sources.list.d/hydrapatch-backports.sources';
    const codename = readFileSync('/etc/os-release', 'utf8').match(/VERSION_CODENAME=(\w+)/)?.[1] ?? 'bookworm';
    let uri = 'http://deb.debian.org/debian';
    for (const f of readdirSync('/etc/apt/sources.list.d')) {
      const m = readFileSync(join('/etc/apt/sources.list.d', f), 'utf8').match(/^URIs:\s*(\S+\/debian)\s*$/m);
      if (m) { uri = m[1]; break; }
    }
    const already = readdirSync('/etc/apt/sources.list.d').some((f) => readFileSync(join('/etc/apt/sources.list.d', f), 'utf8').includes(`${codename}-backports`));
    if (!already) {
      writeFileSync(list, `Types: deb\nURIs: ${uri}\nSuites: ${codename}-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`);
    }
  }
  run('apt-get', ['update', '-q'], { env });
  if (needLavapipe) run('apt-get', ['install', '-y', '-q', '-t', `${readFileSync('/etc/os-release', 'utf8').match(/VERSION_CODENAME=(\w+)/)?.[1] ?? 'bookworm'}-backports`, 'mesa-vulkan-drivers', 'libvulkan1'], { env });
  if (want.length) run('apt-get', ['install', '-y', '-q', ...want], { env });
}

function npmDeps() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function buildIfStale() {
  const out = join(root, 'dist', 'server.js');
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const srcTime = Math.max(...['src', 'server/src', 'media'].map((d) => newest(join(root, d))));
  if (existsSync(out) && statSync(out).mtimeMs >= srcTime) return;
  run(process.execPath, ['scripts/build.mjs']);
}

systemPackages();
npmDeps();
if (process.argv.includes('--build')) buildIfStale();
