#!/usr/bin/env node
// Runs the built server (dist/server.js); in a checkout that has not been built, runs the sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const built = join(__dirname, '..', 'dist', 'server.js');
if (existsSync(built)) require(built);
else { require('tsx/cjs'); require('../server/src/main.ts'); }
