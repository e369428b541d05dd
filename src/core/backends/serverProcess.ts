// Starts the bundled inference server as a child process and watches it. The server gets its token
// through its own environment (never argv, which other users can see, and no file that a killed
// parent would leave behind), prints one ready line, and exits when its stdin closes, so it never
// outlives the process that started it; a parent that exits normally kills its servers' process groups too.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HydrapatchError } from '../../protocol/errors';

/** The variable the server reads its token from (and removes from its environment at once). */
export const serverTokenEnv = 'HYDRAPATCH_SERVER_TOKEN';

/** Process groups of servers still running, killed when this process exits however it exits normally. */
const running = new Set<number>();
let exitHookInstalled = false;

function killOnExit(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of running) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

export interface ServerProcessOptions {
  /** bin/hydrapatch-server.js, the bundled dist/server.js, or server/src/main.ts with nodeArgs ['--import', 'tsx']. */
  serverScript: string;
  model?: string;
  /** Node to run it with: in the VS Code extension host, process.execPath with ELECTRON_RUN_AS_NODE=1 in env. */
  nodePath?: string;
  /** Flags for node itself, e.g. ['--import', 'tsx'] to run a source checkout, ['--expose-gc']. */
  nodeArgs?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  kvBudgetBytes?: number;
  /** More `serve` flags, e.g. ['--attention', 'baseline']. */
  serveArgs?: string[];
  /** Loading a model compiles its kernels, which takes minutes on a CPU adapter. */
  readyTimeoutMs?: number;
  /** Each line the server writes to stderr. */
  onLog?(line: string): void;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it. */
  requested: boolean;
  /** The last lines of its stderr, for the error the user sees. */
  stderrTail: string;
}

export interface ServerProcess {
  readonly port: number;
  readonly token: string;
  readonly pid: number;
  /** ws://127.0.0.1:PORT/ws */
  readonly wsUrl: string;
  /** http://127.0.0.1:PORT/v1 */
  readonly httpBaseUrl: string;
  /** Settles when the process is gone, whatever the reason. */
  readonly exited: Promise<ServerExit>;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<ServerExit>;
}

const tailLines = 40;

export function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const token = randomBytes(24).toString('base64url');
  const args = [...(options.nodeArgs ?? []), options.serverScript, 'serve', '--port', '0', '--exit-on-stdin-close'];
  if (options.model !== undefined) args.push('--model', options.model);
  if (options.kvBudgetBytes !== undefined) args.push('--kv-budget', String(options.kvBudgetBytes));
  args.push(...(options.serveArgs ?? []));

  const child: ChildProcess = spawn(options.nodePath ?? process.execPath, args, {
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', ...options.env, [serverTokenEnv]: token },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so that stop() also reaches what a wrapper script starts in turn.
    detached: process.platform !== 'win32',
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // Already gone.
    }
  };
  const tail: string[] = [];
  let requested = false;
  const detached = process.platform !== 'win32' && child.pid !== undefined;
  if (detached) killOnExit(child.pid!);
  const exited = new Promise<ServerExit>((resolve) => {
    child.on('exit', (code, signal) => {
      if (detached) running.delete(child.pid!);
      resolve({ code, signal, requested, stderrTail: tail.join('\n') });
    });
  });
  // Nothing to do on these: a dead child shows up in `exited`.
  child.stdin!.on('error', () => undefined);
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      options.onLog?.(line);
    }
  });

  const stop = (graceMs = 5000): Promise<ServerExit> => {
    if (child.exitCode === null && child.signalCode === null) {
      requested = true;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      void exited.then(() => clearTimeout(timer));
    }
    return exited;
  };

  return new Promise<ServerProcess>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (err: HydrapatchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop(1000);
      reject(err);
    };
    const timeoutMs = options.readyTimeoutMs ?? 10 * 60_000;
    const timer = setTimeout(
      () => fail(new HydrapatchError('server_start_timeout', `the server did not become ready within ${Math.round(timeoutMs / 1000)} s`, `Its last output:\n${tail.join('\n')}`)),
      timeoutMs,
    );
    child.on('error', (err) =>
      fail(new HydrapatchError('server_start_failed', `could not start ${options.nodePath ?? process.execPath}: ${err.message}`, 'Check the Node executable and the server script path.')),
    );
    void exited.then((exit) => {
      if (settled) return;
      const why = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      fail(new HydrapatchError('server_start_failed', `the server ${why} before it was ready:\n${exit.stderrTail.trim()}`, 'Read the server output above; `hydrapatch-server serve --model PATH` run by hand shows the same.'));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      stdout += chunk;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      let ready: { ready?: unknown; port?: unknown };
      try {
        ready = JSON.parse(stdout.slice(0, nl)) as typeof ready;
      } catch {
        ready = {};
      }
      if (ready.ready !== true || typeof ready.port !== 'number') {
        fail(new HydrapatchError('server_start_failed', `the server's first line is not its ready line: ${stdout.slice(0, Math.min(nl, 200))}`, 'Is serverScript the hydrapatch server?'));
        return;
      }
      settled = true;
      clearTimeout(timer);
      const port = ready.port;
      resolve({
        port,
        token,
        pid: child.pid!,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        httpBaseUrl: `http://127.0.0.1:${port}/v1`,
        exited,
        stop,
      });
    });
  });
}
