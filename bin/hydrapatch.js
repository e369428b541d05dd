#!/usr/bin/env node
// Runs the built CLI (dist/cli.js); in a checkout that has not been built, runs the sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const built = join(__dirname, '..', 'dist', 'cli.js');
if (existsSync(built)) require(built);
else { require('tsx/cjs'); require('../src/cli/main.ts'); }
