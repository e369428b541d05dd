#!/usr/bin/env node
// In a checkout (src/cli present) runs the sources through tsx, so that a dist/ left from an earlier
// build can never run stale code; in an installed copy runs the bundle (dist/cli.js).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
if (!existsSync(join(__dirname, '..', 'src', 'cli', 'main.ts'))) require(join(__dirname, '..', 'dist', 'cli.js'));
else { require('tsx/cjs'); require('../src/cli/main.ts'); }
