// Prompt trees flattened for the engine: positions, BOS on the root only (where the model adds one),
// and clear refusals of bad trees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutPromptTree } from '../../../server/src/sampling/promptLayout';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { Tokenizer } from '../../../server/src/model/types';

// A character tokenizer: one token per character code, so that expected tokens are obvious.
const tokenizer: Tokenizer = {
  vocabSize: 256,
  bosId: 1,
  eosIds: [2],
  encode: (text) => Array.from(text, (c) => c.charCodeAt(0)),
  decode: (ids) => String.fromCharCode(...ids),
};

test('nodes get positions after their ancestors; samples are numbered leaf by leaf', () => {
  const layout = layoutPromptTree(
    { root: { text: 'abc', children: [{ text: 'de', children: [{ tokens: [5], n: 2, label: 'x' }, { text: '', n: 1 }] }, { text: 'f', n: 3 }] } },
    tokenizer,
    100,
  );
  assert.deepEqual(layout.nodes.map((n) => [n.tokens, n.parent, n.position]), [
    [[1, 97, 98, 99], -1, 0],
    [[100, 101], 0, 4],
    [[5], 1, 6],
    [[], 1, 6],
    [[102], 0, 4],
  ]);
  assert.deepEqual(layout.leaves.map((l) => [l.node, l.samples, l.label]), [[2, [0, 1], 'x'], [3, [2], undefined], [4, [3, 4, 5], undefined]]);
  assert.equal(layout.samples, 6);
  assert.equal(layout.promptTokens, 8);
  assert.deepEqual(layoutPromptTree({ bos: false, root: { text: 'a', n: 1 } }, tokenizer, 10).nodes[0].tokens, [97]);
});

test('bad trees are refused with a hint', () => {
  for (const [tree, context] of [
    [{ root: { text: 'a' } }, 100],
    [{ root: { text: 'a', n: -1 } }, 100],
    [{ root: { text: 'a', n: 1.5 } }, 100],
    [{ root: { tokens: [1, 300], n: 1 } }, 100],
    [{ root: { text: 'a', n: 1001 } }, 100],
    [{ root: { text: 'a', n: 1, children: [{ text: 'b', n: 1 }] } }, 100],
    [{ bos: false, root: { text: '', n: 1 } }, 100],
    [{ root: { text: 'abcdefghij', n: 1 } }, 10],
  ] as const) {
    assert.throws(() => layoutPromptTree(tree as never, tokenizer, context), (e: unknown) => e instanceof HydrapatchError && e.code === 'bad_tree' && !!e.hint);
  }
});

test('BOS follows the model: none where its tokenizer adds none (add_bos_token false, as Qwen2)', () => {
  const noBos: Tokenizer = { ...tokenizer, addsBos: false };
  assert.deepEqual(layoutPromptTree({ root: { text: 'a', n: 1 } }, noBos, 10).nodes[0].tokens, [97]);
  assert.deepEqual(layoutPromptTree({ bos: true, root: { text: 'a', n: 1 } }, noBos, 10).nodes[0].tokens, [97]);
  assert.deepEqual(layoutPromptTree({ root: { text: 'a', n: 1 } }, { ...tokenizer, addsBos: true }, 10).nodes[0].tokens, [1, 97]);
});
