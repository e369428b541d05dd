#!/usr/bin/env node
// One esbuild script bundles every part: the extension, the CLI, the server and the webview.
import { build } from 'esbuild';

const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node' };
const nodeExternal = ['vscode', 'webgpu', 'node-llama-cpp', '@huggingface/tokenizers'];

const bundles = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', format: 'cjs', external: nodeExternal },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', format: 'cjs', external: nodeExternal },
  { ...common, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js', format: 'cjs', external: nodeExternal },
  { ...common, entryPoints: ['media/panel.ts'], outfile: 'dist/media/panel.js', format: 'iife', platform: 'browser', target: 'es2022' },
  { entryPoints: ['media/panel.css'], outfile: 'dist/media/panel.css', bundle: true, logLevel: 'warning' },
];
await Promise.all(bundles.map((b) => build(b)));
