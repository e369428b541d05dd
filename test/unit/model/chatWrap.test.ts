// The server's cut of a chat template into a ChatWrap (server/src/model/chatWrap.ts), against the
// hand-written wraps of test/helpers/chatWraps.ts, and the BOS found by token id against BOS text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatmlWrap, llama3Wrap } from '../../helpers/chatWraps';
import { chatTemplateRenderer } from '../../../server/src/model/chatTemplate';
import { chatWrapFromRenderer, chatWrapOf } from '../../../server/src/model/chatWrap';
import { loadModel } from '../../../server/src/model/load';
import type { Tokenizer } from '../../../server/src/model/types';
import { testModel } from '../../helpers/models';

const llama3Template =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
const gemmaTemplate =
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{{ '<start_of_turn>' + (message['role'] if message['role'] != 'assistant' else 'model') + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";

test('the generated models\' templates (GGUF and HF folder): ChatML, and an SPM one with BOS left to the prompt tree', async () => {
  const expected = [
    { model: testModel({ vocab: 'gpt2' }), wrap: chatmlWrap },
    { model: testModel({ vocab: 'spm' }), wrap: { beforeSystem: '[system] ', betweenSystemAndUser: '</s>[user] ', afterUser: '</s>[assistant] ' } },
  ];
  for (const { model, wrap } of expected) {
    for (const path of [model.gguf, model.hfDir]) {
      const { tokenizer } = await loadModel(path);
      assert.deepEqual(chatWrapOf(tokenizer), wrap, path);
    }
  }
});

const stripText = (bos: string) => (head: string) => (head.startsWith(bos) ? head.slice(bos.length) : head);

test('Llama 3 and Gemma (no system role) templates, with a BOS the template writes itself', async () => {
  const { tokenizer } = await loadModel(testModel({ vocab: 'spm' }).gguf);
  const withTemplate = (source: string): Tokenizer => ({ ...tokenizer, applyChatTemplate: chatTemplateRenderer(source, 'test', { bosToken: '<s>', eosToken: '</s>' }) });
  const llama3 = withTemplate(llama3Template);
  assert.deepEqual(chatWrapOf(llama3), llama3Wrap);
  assert.deepEqual(chatWrapOf(llama3), chatWrapFromRenderer(llama3.applyChatTemplate!, stripText('<s>')));
  const gemma = withTemplate(gemmaTemplate);
  assert.deepEqual(chatWrapOf(gemma), { beforeSystem: '<start_of_turn>user\n', betweenSystemAndUser: '\n\n', afterUser: '<end_of_turn>\n<start_of_turn>model\n' });
  assert.deepEqual(chatWrapOf(gemma), chatWrapFromRenderer(gemma.applyChatTemplate!, stripText('<s>')));
});

test('no chat template, or one that cannot be cut: no wrap', async () => {
  const { tokenizer } = await loadModel(testModel({ vocab: 'gpt2' }).gguf);
  assert.equal(chatWrapOf({ ...tokenizer, applyChatTemplate: undefined }), undefined);
  const ignoresContent = chatTemplateRenderer("{% for m in messages %}<{{ m['role'] }}>{% endfor %}", 'test', {});
  assert.equal(chatWrapOf({ ...tokenizer, applyChatTemplate: ignoresContent }), undefined);
});
