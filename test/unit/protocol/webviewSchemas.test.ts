import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFromPanel } from '../../../src/protocol/webviewSchemas';

test('the messages the panel sends are accepted as they are', () => {
  assert.deepEqual(parseFromPanel({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFromPanel({ type: 'run', action: 'solveAgain' }), { type: 'run', action: 'solveAgain' });
  assert.deepEqual(parseFromPanel({ type: 'action', action: 'apply', runId: 3, index: 0 }), { type: 'action', action: 'apply', runId: 3, index: 0 });
  assert.deepEqual(parseFromPanel({ type: 'action', action: 'apply', runId: 3, index: 2, path: 'src/a.js' }), { type: 'action', action: 'apply', runId: 3, index: 2, path: 'src/a.js' });
  assert.deepEqual(parseFromPanel({ type: 'context', action: 'exclude', path: 'README.md' }), { type: 'context', action: 'exclude', path: 'README.md' });
  assert.deepEqual(parseFromPanel({ type: 'run', action: 'rerunWithContext' }), { type: 'run', action: 'rerunWithContext' });
});

test('a malformed panel message is refused', () => {
  const malformed: unknown[] = [
    null,
    'apply',
    [],
    {},
    { type: 'nope' },
    { type: 'run', action: 'rm -rf' },
    { type: 'run' },
    { type: 'action', action: 'apply', runId: 3 },
    { type: 'action', action: 'apply', runId: '3', index: 0 },
    { type: 'action', action: 'apply', runId: 3, index: 1.5 },
    { type: 'action', action: 'apply', runId: 3, index: -1 },
    { type: 'action', action: 'apply', runId: 3, index: Number.NaN },
    { type: 'action', action: 'delete', runId: 3, index: 0 },
    { type: 'action', action: 'apply', runId: 3, index: 0, path: 42 },
    { type: 'action', action: 'apply', runId: 3, index: 0, path: '' },
    { type: 'action', action: 'apply', runId: 3, index: 0, path: 'x'.repeat(5000) },
    { type: 'context', action: 'delete', path: 'README.md' },
    { type: 'context', action: 'pin' },
    { type: 'context', action: 'pin', path: '' },
  ];
  for (const m of malformed) assert.equal(parseFromPanel(m), undefined, JSON.stringify(m));
});

test('fields the protocol does not have are dropped, not passed on', () => {
  const parsed = parseFromPanel({ type: 'action', action: 'discard', runId: 1, index: 4, command: 'workbench.action.terminal.new', __proto__: { polluted: true } });
  assert.deepEqual(parsed, { type: 'action', action: 'discard', runId: 1, index: 4 });
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
});
