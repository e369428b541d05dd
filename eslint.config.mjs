// Lint, and the layering of docs/architecture.md enforced: a wrong import fails `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Product code never imports tests, benchmarks or scripts (the CPU references live in test/helpers/reference,
// the model-file writers in scripts/lib); test/unit/productCode.test.ts checks the other way, that no
// product module is used only by them.
const notTests = { group: ['**/test/**', '**/bench/**', '**/scripts/**'], message: 'product code does not import test/, bench/ or scripts/ (docs/architecture.md).' };
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance', 'fetch', 'AbortController', 'require', 'module', '__dirname', '__filename'].map((g) => [g, 'readonly']),
);
const coreLayer = [
  { group: ['vscode'], message: 'src/core must run without VS Code (docs/architecture.md).' },
  { group: ['**/extension/**', '**/cli/**', '**/server/**', '**/media/**'], message: 'src/core depends only on src/protocol (docs/architecture.md).' },
];
const serverLayer = [
  { group: ['vscode', '**/src/core/**', '**/src/extension/**', '**/src/cli/**', '**/media/**'], message: 'server/ shares only src/protocol with the rest (docs/architecture.md).' },
];
const layer = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, notTests] }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test/fixtures/**', 'examples/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Scripts and launchers run in Node as they are (ES modules in scripts/, CommonJS in bin/).
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: nodeGlobals },
  },
  { files: ['bin/**/*.js', 'test/helpers/**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  // src/protocol: types and validators only; imports nothing of ours.
  layer(['src/protocol/**/*.ts'], [
    { group: ['**/core/**', '**/extension/**', '**/cli/**', '**/server/**', '**/media/**', 'vscode'], message: 'src/protocol imports nothing of ours (docs/architecture.md).' },
  ]),
  // src/core: the pipeline, runs without VS Code; depends only on src/protocol.
  layer(['src/core/**/*.ts'], coreLayer),
  // Inside src/core, the orchestrator (pipeline/) sits on top: the folders it drives own their types.
  {
    ...layer(['src/core/**/*.ts'], [
      ...coreLayer,
      { group: ['**/pipeline/**', './pipeline/*'], message: 'src/core/pipeline uses the other core folders, never the other way round (docs/architecture.md).' },
    ]),
    ignores: ['src/core/pipeline/**'],
  },
  layer(['src/cli/**/*.ts'], [
    { group: ['vscode'], message: 'the CLI runs without VS Code.' },
    { group: ['**/extension/**', '**/server/**', '**/media/**'], message: 'src/cli depends on src/core and src/protocol only.' },
  ]),
  layer(['src/extension/**/*.ts'], [
    { group: ['**/cli/**', '**/server/**'], message: 'the extension talks to the server over the protocol, never by import.' },
  ]),
  layer(['media/**/*.ts'], [
    { group: ['vscode', '**/core/**', '**/extension/**', '**/cli/**', '**/server/**'], message: 'the webview talks by postMessage and imports src/protocol types only.' },
  ]),
  // server/: its own process; shares only src/protocol.
  layer(['server/**/*.ts'], serverLayer),
  // server/src/gpu: kernels, buffers and attention steps, below the model and the sampling engine that use them.
  layer(['server/src/gpu/**/*.ts'], [
    ...serverLayer,
    { group: ['**/model/**', '**/sampling/**', '**/api/**', '**/commands/**'], message: 'server/src/gpu does not import the model, sampling, api or commands folders: they use it (docs/architecture.md).' },
  ]),
  // scripts/lib: the model-file writers the demo model is built with; they read the server's formats,
  // never tests or benchmarks.
  {
    files: ['scripts/lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**', '**/bench/**'], message: 'scripts/lib (model-file tooling; the shipped demo model is built with it) does not import test/ or bench/ (docs/architecture.md).' }] }] },
  },
);
