#!/usr/bin/env node
// One esbuild script bundles every part: the extension, the CLI, the server and the webview.
import { build } from 'esbuild';

const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node' };
const nodeExternal = ['vscode', 'webgpu', 'node-llama-cpp', '@huggingface/tokenizers'];

await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', format: 'cjs', external: nodeExternal }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', format: 'cjs', external: nodeExternal }),
  build({ ...common, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js', format: 'cjs', external: nodeExternal }),
  build({ ...common, entryPoints: ['media/panel.ts'], outfile: 'dist/media/panel.js', format: 'iife', platform: 'browser', target: 'es2022' }),
]);
