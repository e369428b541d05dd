import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flattenTree } from '../../../../src/core/backends/flattenTree';

test('each leaf becomes the concatenation of its path, with its n and its first global index', () => {
  const flat = flattenTree({
    root: { text: 'ctx|', children: [{ text: 'A|', children: [{ text: 'x', n: 3, label: 'ax' }, { text: 'y', n: 2 }] }, { text: 'B', n: 4 }] },
  });
  assert.deepEqual(flat, [
    { prompt: 'ctx|A|x', n: 3, leaf: 0, firstIndex: 0, label: 'ax' },
    { prompt: 'ctx|A|y', n: 2, leaf: 1, firstIndex: 3 },
    { prompt: 'ctx|B', n: 4, leaf: 2, firstIndex: 5 },
  ]);
});

test('token segments concatenate to a token prompt; mixing tokens and text is refused', () => {
  assert.deepEqual(flattenTree({ root: { tokens: [1, 2], children: [{ tokens: [3], n: 1 }] } })[0]!.prompt, [1, 2, 3]);
  assert.throws(() => flattenTree({ root: { tokens: [1, 2], children: [{ text: 'x', n: 1 }] } }), { code: 'unsupported_tree' });
});
