import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientMessage, parseServerMessage, type Parsed } from '../../../src/protocol/messages';
import { wireLimits } from '../../../src/protocol/limits';

function refusal<T>(p: Parsed<T>): { code: string; id?: string } {
  assert.equal(p.ok, false, 'expected the message to be refused');
  if (p.ok) throw new Error('unreachable');
  return { code: p.error.code, id: p.id };
}

const sample = (extra: Record<string, unknown>) => JSON.stringify({ type: 'sample', id: 'job-1', tree: { root: { text: 'fix the bug', n: 2 } }, ...extra });

test('a valid sample message parses, keeping the tree and params', () => {
  const p = parseClientMessage(sample({ params: { temperature: 0.7, topP: 0.9, stop: ['\n\n'], seed: 3 } }));
  assert.ok(p.ok);
  assert.equal(p.message.type, 'sample');
  if (p.message.type !== 'sample') return;
  assert.deepEqual(p.message.tree.root, { text: 'fix the bug', n: 2 });
  assert.deepEqual(p.message.params, { temperature: 0.7, topP: 0.9, stop: ['\n\n'], seed: 3 });
});

test('malformed JSON, non-objects and unknown types get their own codes', () => {
  assert.equal(refusal(parseClientMessage('{"type":"hello"')).code, 'bad_json');
  assert.equal(refusal(parseClientMessage('[1,2]')).code, 'invalid_message');
  assert.equal(refusal(parseClientMessage('{"type":3}')).code, 'invalid_message');
  assert.deepEqual(refusal(parseClientMessage('{"type":"launch","id":"x"}')), { code: 'unknown_message', id: 'x' });
  // Inherited properties of the schema map are not message types.
  assert.equal(refusal(parseClientMessage('{"type":"toString"}')).code, 'unknown_message');
});

test('n ≤ 0, fractional n, n beyond the per-job limit and n on an inner node are invalid_n', () => {
  for (const root of [
    { text: 'a', n: 0 },
    { text: 'a', n: -3 },
    { text: 'a', n: 1.5 },
    { text: 'a', n: wireLimits.maxSamplesPerJob + 1 },
    { text: 'a', children: [{ text: 'b', n: 600 }, { text: 'c', n: 401 }] },
    { text: 'a', n: 2, children: [{ text: 'b', n: 1 }] },
    { text: 'a' },
  ]) {
    assert.deepEqual(refusal(parseClientMessage(JSON.stringify({ type: 'sample', id: 'j', tree: { root } }))), { code: 'invalid_n', id: 'j' }, JSON.stringify(root));
  }
  assert.ok(parseClientMessage(JSON.stringify({ type: 'sample', id: 'j', tree: { root: { text: 'a', children: [{ text: 'b', n: 600 }, { text: 'c', n: 400 }] } } })).ok);
});

test('negative, NaN-as-null, string temperatures and top_p outside (0,1] are invalid_params', () => {
  for (const params of [{ temperature: -0.1 }, { temperature: null }, { temperature: 'NaN' }, { topP: 0 }, { topP: 1.01 }, { topK: -1 }, { maxTokens: 0 }, { stop: [''] }]) {
    assert.equal(refusal(parseClientMessage(sample({ params }))).code, 'invalid_params', JSON.stringify(params));
  }
  assert.ok(parseClientMessage(sample({ params: { temperature: 0, topP: 1 } })).ok);
});

test('a tree whose leaves have no prompt text or tokens is empty_prompt', () => {
  for (const root of [{ n: 1 }, { text: '', n: 1 }, { tokens: [], children: [{ text: '', n: 2 }] }, { text: '', children: [{ text: 'x', n: 1 }, { n: 1 }] }]) {
    assert.equal(refusal(parseClientMessage(JSON.stringify({ type: 'sample', id: 'j', tree: { root } }))).code, 'empty_prompt', JSON.stringify(root));
  }
  assert.ok(parseClientMessage(JSON.stringify({ type: 'sample', id: 'j', tree: { root: { tokens: [1], children: [{ n: 1 }] } } })).ok);
});

test('trees nested beyond the limit are refused without exhausting the stack', () => {
  for (const depth of [wireLimits.maxTreeDepth + 1, 200_000]) {
    const raw = '{"type":"sample","id":"j","tree":{"root":' + '{"children":['.repeat(depth) + '{"text":"x","n":1}' + ']}'.repeat(depth) + '}}';
    const r = refusal(parseClientMessage(raw));
    assert.ok(['invalid_tree', 'invalid_message', 'bad_json'].includes(r.code), r.code);
  }
});

test('server messages are validated too: a sample needs its finish reason', () => {
  const ok = { type: 'sample', id: 'j', sample: { index: 0, leaf: 0, text: 'x', finishReason: 'eos', tokenCount: 1, logprob: -0.5 } };
  assert.ok(parseServerMessage(JSON.stringify(ok)).ok);
  assert.equal(refusal(parseServerMessage(JSON.stringify({ ...ok, sample: { ...ok.sample, finishReason: 'tired' } }))).code, 'invalid_message');
});
