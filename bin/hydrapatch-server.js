#!/usr/bin/env node
// In a checkout (server/src present) runs the sources, so that a dist/ left from an earlier build can
// never run stale code; in an installed copy runs the bundle (dist/server.js). Sources run through
// tsx's ESM loader in a child process (tsx/cjs alone does not hook the commands' dynamic
// import(), and tsx's in-process register API fails on Node 20). Signals sent to this process are
// passed on to the child, and its exit status is this process's.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { spawn } = require('node:child_process');
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const sources = join(__dirname, '..', 'server', 'src', 'main.ts');
if (!existsSync(sources)) require(join(__dirname, '..', 'dist', 'server.js'));
else {
  const loader = pathToFileURL(require.resolve('tsx', { paths: [join(__dirname, '..')] })).href;
  const child = spawn(process.execPath, ['--import', loader, sources, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 0) : 1)));
}
