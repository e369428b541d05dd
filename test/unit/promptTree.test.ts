import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countSamples, leafPaths, type PromptNode } from '../../src/protocol/promptTree';

test('countSamples sums n over the leaves of a 2-level tree', () => {
  const tree: PromptNode = { text: 'shared', children: [{ text: 'a', n: 3 }, { text: 'b', children: [{ text: 'c', n: 5 }, { text: 'd', n: 0 }] }] };
  assert.equal(countSamples(tree), 8);
  assert.deepEqual(leafPaths(tree).map((p) => p.map((n) => n.text).join('/')), ['shared/a', 'shared/b/c', 'shared/b/d']);
});

test('a root without children is itself the one leaf', () => {
  assert.equal(countSamples({ text: 'x', n: 4 }), 4);
  assert.equal(leafPaths({ text: 'x', n: 4 }).length, 1);
});
