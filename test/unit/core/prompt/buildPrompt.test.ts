import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template } from '@huggingface/jinja';
import { countSamples, leafPaths } from '../../../../src/protocol/promptTree';
import { buildRepairPrompt, locationBranches, splitEvenly, toChatRequests, toPromptTree } from '../../../../src/core/prompt/buildPrompt';
import { plainWrap, type ChatMessage } from '../../../../src/core/prompt/chatWrap';
import { chatmlWrap } from '../../../helpers/chatWraps';
import { chatWrapFromRenderer } from '../../../../server/src/model/chatWrap';
import { parseEdits } from '../../../../src/core/edits/parseEdits';
import { systemInstructions } from '../../../../src/core/prompt/instructions';

const context = {
  repoMap: 'src/a.js:\n  function add(a, b)',
  files: [
    { path: 'src/a.js', text: 'function add(a, b) {\n  return a - b;\n}\n', score: 5, reasons: ['stack trace line 2'] },
    { path: 'src/b.js', text: 'x\n', score: 1, reasons: ['bm25 0.40'], excerpt: { startLine: 1, endLine: 1, totalLines: 9 } },
  ],
};
const issue = 'add() subtracts instead of adding.';

// Qwen2's ChatML template, as shipped in its tokenizer_config.json (rendered by an independent engine).
const qwenTemplate = `{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`;
const render = (messages: ChatMessage[] | { role: string; content: string }[]) => new Template(qwenTemplate).render({ messages, add_generation_prompt: true });

test('shared material first, in the root; the varying request last, in the leaves; n split across branches', () => {
  const prompt = buildRepairPrompt({ context, issueText: issue, n: 7, branches: locationBranches(context, 2) });
  const tree = toPromptTree(prompt, plainWrap);
  assert.equal(countSamples(tree.root), 7);
  assert.deepEqual(tree.root.children?.map((c) => [c.label, c.n]), [['src/a.js', 4], ['src/b.js', 3]]);
  const root = tree.root.text ?? '';
  const order = [systemInstructions.slice(0, 40), 'Repository map', 'src/a.js\n```', 'src/b.js (lines 1–1 of 9)', 'Issue:'].map((s) => root.indexOf(s));
  assert.ok(order.every((p, i) => p >= 0 && (i === 0 || p > order[i - 1])), `order ${order}`);
  assert.match(tree.root.children?.[0].text ?? '', /most likely in src\/a\.js \(stack trace line 2\)/);
  assert.deepEqual(splitEvenly(10, 3), [4, 3, 3]);
  assert.deepEqual(splitEvenly(2, 3), [1, 1, 0]);
  assert.equal(buildRepairPrompt({ context, issueText: issue, n: 2, branches: locationBranches(context, 3) }).leaves.length, 2);
  assert.throws(() => buildRepairPrompt({ context, issueText: issue, n: 0 }), /positive integer/);
});

test('the wrap derived from a real chat template gives exactly the template rendering along each path', () => {
  const prompt = buildRepairPrompt({ context, issueText: issue, n: 4, branches: locationBranches(context, 2) });
  const wrap = chatWrapFromRenderer(render);
  assert.deepEqual(wrap, chatmlWrap);
  const tree = toPromptTree(prompt, wrap);
  const requests = toChatRequests(prompt);
  leafPaths(tree.root).forEach((path, i) => {
    const text = path.map((n) => n.text ?? '').join('');
    assert.equal(text, render(requests[i].messages));
  });
});

test('the example in the instructions is itself a block the edit parser reads', () => {
  const example = systemInstructions.slice(systemInstructions.indexOf('path/to/file.ext'), systemInstructions.indexOf('Rules:'));
  const parsed = parseEdits(example);
  assert.equal(parsed.edits.length, 1);
  assert.equal(parsed.edits[0].path, 'path/to/file.ext');
});
