// The panel's HTML: one bundled script and one stylesheet from dist/media, nothing remote, and a
// Content-Security-Policy that allows only those (scripts by nonce).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Hydrapatch candidates</title>
</head>
<body>
<main id="app"><p class="muted">Waiting for a run…</p></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
