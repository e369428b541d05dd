// A real VS Code for the end-to-end tests: code-server 4.139.1 on Node 24 (installed once, cached in
// .cache/ by scripts/installCodeServer.mjs), run in its own process group with throwaway user data,
// extensions and XDG folders, listening on 127.0.0.1 only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');

export interface CodeServerPaths {
  node: string;
  codeServer: string;
}

export async function ensureCodeServer(): Promise<CodeServerPaths> {
  const mod = (await import(join(repoRoot, 'scripts', 'installCodeServer.mjs'))) as { ensureCodeServer(): Promise<CodeServerPaths> };
  return mod.ensureCodeServer();
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface CodeServerOptions {
  paths: CodeServerPaths;
  /** User settings.json content. */
  settings: Record<string, unknown>;
  /** .vsix files installed before start. */
  install?: string[];
  /** Extra `--vscode-option` flags, e.g. enable-smoke-test-driver. */
  vscodeOptions?: string[];
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
  /** Run code-server (and so the extension) where bubblewrap is not installed: see withoutBwrap(). */
  hideBwrap?: boolean;
}

/** Where the sandbox probe (src/core/sandbox/findExecutable.ts) may find bwrap: its system folders, then PATH. */
function bwrapPaths(): string[] {
  const dirs = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  return [...new Set(dirs.map((d) => join(d, 'bwrap')).filter((p) => existsSync(p)))];
}

/**
 * The command line that runs `file args` in a private mount namespace in which every bwrap is covered
 * by /dev/null (not executable): to that process and its children, this is a machine without
 * bubblewrap, while the rest of the machine is left as it is. Root uses unshare(1) directly, other
 * users through an unprivileged user namespace. Undefined where neither works (not Linux, or user
 * namespaces are off).
 */
export function withoutBwrap(file: string, args: string[]): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const unshare = [...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']), '--mount', '--propagation', 'private'];
  const hide = 'for f in $HP_HIDE; do mount --bind /dev/null "$f" || exit 97; done; exec "$@"';
  const line = (f: string, a: string[]) => ['env', `HP_HIDE=${bwrapPaths().join(' ')}`, 'unshare', ...unshare, '--', 'sh', '-c', hide, 'sh', f, ...a];
  const probe = line('sh', ['-c', 'for f in $HP_HIDE; do test -x "$f" && exit 1; done; exit 0']);
  if (spawnSync(probe[0], probe.slice(1), { stdio: 'ignore' }).status !== 0) return undefined;
  return line(file, args);
}

export interface RunningCodeServer {
  url: string;
  port: number;
  home: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<RunningCodeServer> {
  const home = mkdtempSync(join(tmpdir(), 'hp-e2e-vscode-'));
  const dirs = { userData: join(home, 'user-data'), extensions: join(home, 'extensions'), xdg: join(home, 'xdg') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(opts.settings, null, 2));
  const config = join(home, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  // NODE_TEST_CONTEXT (set when this runs under node --test) would make every `node --test` the
  // extension starts talk node:test's child protocol instead of running the fixture's tests normally.
  const { NODE_TEST_CONTEXT: _, ...outerEnv } = process.env;
  const env = {
    ...outerEnv,
    XDG_DATA_HOME: dirs.xdg,
    XDG_CONFIG_HOME: dirs.xdg,
    XDG_CACHE_HOME: dirs.xdg,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    ...opts.env,
  };
  const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--config', config];
  for (const vsix of opts.install ?? []) {
    execFileSync(opts.paths.node, [opts.paths.codeServer, ...common, '--install-extension', vsix], { env, stdio: 'pipe', timeout: 120_000 });
  }
  const port = await freePort();
  const args = [
    opts.paths.codeServer,
    ...common,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--bind-addr', `127.0.0.1:${port}`,
    ...(opts.vscodeOptions ?? []).flatMap((o) => ['--vscode-option', o]),
  ];
  let output = '';
  const line = opts.hideBwrap ? withoutBwrap(opts.paths.node, args) : [opts.paths.node, ...args];
  if (!line) throw new Error('cannot hide bubblewrap from code-server here (needs Linux and unshare --mount as root or in a user namespace)');
  const child: ChildProcess = spawn(line[0], line.slice(1), { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    port,
    home,
    log: () => output,
    stop: async () => {
      // code-server leaves helper processes (extension host, watchers): end the whole group.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
