// The bundled inference server's lifecycle: started on demand (with the editor's own runtime through
// ELECTRON_RUN_AS_NODE=1, or a configured Node), restarted with back-off when it dies and the user
// told, stopped on deactivate. Its stderr goes to the log.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startServerProcess, type ServerProcess } from '../core/backends/serverProcess';
import { ServerClient } from '../core/backends/serverClient';
import type { SampleSource } from '../core/sampling/sampleSource';
import { HydrapatchError } from '../protocol/errors';
import type { Log } from './log';
import type { Settings } from './settings';

const MAX_BACKOFF_MS = 30_000;
/** Deaths closer together than this count as one crash loop, and the back-off grows. */
const STABLE_MS = 60_000;
const MAX_RESTARTS = 5;

interface Launch {
  model: string;
  node: string;
  kvBudgetMiB: number;
}

export class ServerManager implements vscode.Disposable {
  private server: Promise<ServerProcess> | undefined;
  private running: ServerProcess | undefined;
  private launch: Launch | undefined;
  private restarts = 0;
  private startedAt = 0;
  private disposed = false;

  constructor(
    private readonly extensionPath: string,
    private readonly log: Log,
  ) {}

  /** A sample source over the running server (started first when needed). */
  async source(settings: Settings): Promise<SampleSource> {
    if (!settings.modelPath) {
      throw new HydrapatchError('no_model', 'No model is set for the bundled server.', 'Set hydrapatch.modelPath to a GGUF or safetensors model, or use hydrapatch.backend "openai-compatible".');
    }
    const server = await this.ensure({ model: settings.modelPath, node: settings.nodePath, kvBudgetMiB: settings.kvBudgetMiB });
    const client = await ServerClient.connect({ url: server.wsUrl, token: server.token });
    return client;
  }

  /** The server's process id while it runs (for the log and the tests). */
  get pid(): number | undefined {
    return this.running?.pid;
  }

  async restart(): Promise<void> {
    const launch = this.launch;
    await this.stop();
    this.restarts = 0;
    if (launch) {
      await this.ensure(launch);
      void vscode.window.showInformationMessage('Hydrapatch: server restarted.');
    } else void vscode.window.showInformationMessage('Hydrapatch: the server is not running; it starts with the next run.');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.launch = undefined;
    if (server) await (await server.catch(() => undefined))?.stop();
  }

  private ensure(launch: Launch): Promise<ServerProcess> {
    const same = this.launch && this.launch.model === launch.model && this.launch.node === launch.node && this.launch.kvBudgetMiB === launch.kvBudgetMiB;
    if (this.server && same) return this.server;
    const previous = this.server;
    this.launch = launch;
    this.server = (async () => {
      if (previous) await (await previous.catch(() => undefined))?.stop();
      this.log.info(`starting the server: model ${launch.model}, node ${launch.node || `${process.execPath} (ELECTRON_RUN_AS_NODE)`}`);
      const proc = await startServerProcess({
        serverScript: join(this.extensionPath, 'dist', 'server.js'),
        model: launch.model,
        nodePath: launch.node || process.execPath,
        env: launch.node ? {} : { ELECTRON_RUN_AS_NODE: '1' },
        kvBudgetBytes: launch.kvBudgetMiB * 1024 * 1024,
        onLog: (line) => this.log.info(`[server] ${line}`),
      });
      this.startedAt = Date.now();
      this.running = proc;
      void proc.exited.then(() => {
        if (this.running === proc) this.running = undefined;
      });
      this.log.info(`server ready on 127.0.0.1:${proc.port} (pid ${proc.pid})`);
      void proc.exited.then((exit) => {
        if (!exit.requested) this.died(proc, `${exit.signal ?? `code ${exit.code}`}`);
      });
      return proc;
    })();
    this.server.catch((err) => {
      this.log.error(`server failed to start: ${HydrapatchError.from(err).message}`);
      this.server = undefined;
    });
    return this.server;
  }

  private died(proc: ServerProcess, why: string): void {
    if (this.disposed || !this.launch) return;
    const launch = this.launch;
    this.server = undefined;
    this.restarts = Date.now() - this.startedAt > STABLE_MS ? 1 : this.restarts + 1;
    if (this.restarts > MAX_RESTARTS) {
      this.log.error(`server (pid ${proc.pid}) died (${why}) ${MAX_RESTARTS} times in a row; not restarting`);
      void vscode.window.showErrorMessage(`Hydrapatch: the server keeps dying (${why}). Run "Hydrapatch: Restart Server" after checking the log.`, 'Show Log').then((a) => a && this.log.show());
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.restarts - 1));
    this.log.warn(`server (pid ${proc.pid}) died (${why}); restarting in ${delay / 1000} s`);
    void vscode.window.showWarningMessage(`Hydrapatch: the server stopped unexpectedly (${why}); restarting in ${delay / 1000} s.`);
    setTimeout(() => {
      if (this.disposed || this.server) return;
      // A restart that fails to start never dies, so died() is not called again: the user is told here
      // (ensure() logs why); the next run starts the server anew.
      this.ensure(launch).catch(() => {
        if (this.disposed) return;
        void vscode.window.showErrorMessage('Hydrapatch: the server could not be restarted; the next run starts it again. The log says why.', 'Show Log').then((a) => a && this.log.show());
      });
    }, delay);
  }

  dispose(): void {
    this.disposed = true;
    void this.stop();
  }
}
