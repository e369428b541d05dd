#!/usr/bin/env node
// Runs the built server (dist/server.js); in a checkout that has not been built, runs the sources
// through tsx's ESM loader in a child process (tsx/cjs alone does not hook the commands' dynamic
// import()).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { spawnSync } = require('node:child_process');
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const built = join(__dirname, '..', 'dist', 'server.js');
if (existsSync(built)) require(built);
else {
  const loader = pathToFileURL(require.resolve('tsx', { paths: [join(__dirname, '..')] })).href;
  const r = spawnSync(process.execPath, ['--import', loader, join(__dirname, '..', 'server', 'src', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
