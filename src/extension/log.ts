// The one logger of the extension: an OutputChannel ("Hydrapatch"), shown by "Hydrapatch: Show Log".
import * as vscode from 'vscode';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  show(): void;
}

export function createLog(context: vscode.ExtensionContext): Log {
  const channel = vscode.window.createOutputChannel('Hydrapatch', { log: true });
  context.subscriptions.push(channel);
  return {
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
    show: () => channel.show(true),
  };
}
