import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HydrapatchError } from '../../../src/protocol/errors';
import { chatTemplateRenderer } from '../../../server/src/model/chatTemplate';
import { loadModel } from '../../../server/src/model/load';
import { testModel } from '../../helpers/models';

const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Fix the bug.' },
];

test('the ChatML template (GGUF metadata and tokenizer_config.json) renders the conversation with the assistant turn open', async () => {
  const m = testModel({ vocab: 'gpt2' });
  for (const path of [m.gguf, m.hfDir]) {
    const { tokenizer } = await loadModel(path);
    const text = tokenizer.applyChatTemplate!(messages);
    assert.equal(text, '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nFix the bug.<|im_end|>\n<|im_start|>assistant\n');
    const ids = tokenizer.encode(text);
    const imStart = tokenizer.encode('<|im_start|>');
    assert.equal(imStart.length, 1, 'a special token is one id');
    assert.equal(ids[0], imStart[0]);
    assert.ok(tokenizer.eosIds.includes(tokenizer.encode('<|im_end|>')[0]), '<|im_end|> ends generation');
  }
});

test('an SPM template gets bos_token and eos_token, and encode adds BOS by default', async () => {
  const m = testModel({ vocab: 'spm' });
  for (const path of [m.gguf, m.hfDir]) {
    const { tokenizer } = await loadModel(path);
    assert.equal(tokenizer.applyChatTemplate!(messages), '<s>[system] Be brief.</s>[user] Fix the bug.</s>[assistant] ');
    assert.equal(tokenizer.encode('hi')[0], tokenizer.bosId);
    assert.notEqual(tokenizer.encode('hi', { addBos: false })[0], tokenizer.bosId);
  }
});

test('a template that raises (e.g. roles that do not alternate) gives a HydrapatchError naming the file', () => {
  const render = chatTemplateRenderer(
    "{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}{{ m['content'] }}{% endfor %}",
    '/models/x/tokenizer_config.json',
    {},
  );
  assert.equal(render([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]), 'ab');
  assert.throws(() => render([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]), (err: unknown) =>
    err instanceof HydrapatchError && err.code === 'model_chat_template' && err.message.includes('/models/x/tokenizer_config.json') && err.message.includes('must alternate'));
  assert.throws(() => chatTemplateRenderer('{% for %}', 'f.gguf', {}), (err: unknown) => err instanceof HydrapatchError && err.code === 'model_bad_tokenizer');
});

test('end-of-turn ids listed only in generation_config.json stop generation too', async () => {
  const m = testModel({ vocab: 'gpt2' });
  const dir = mkdtempSync(join(tmpdir(), 'hp-genconfig-'));
  try {
    cpSync(m.hfDir, dir, { recursive: true });
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [7, 9] }));
    const { tokenizer } = await loadModel(dir);
    assert.ok(tokenizer.eosIds.includes(7) && tokenizer.eosIds.includes(9));
    assert.ok(tokenizer.eosIds.includes(tokenizer.encode('<|im_end|>')[0]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HF folders: a list of named templates uses "default"; without one, chat_template.jinja is read', async () => {
  const m = testModel({ vocab: 'gpt2' });
  const dir = mkdtempSync(join(tmpdir(), 'hp-templates-'));
  try {
    const listed = join(dir, 'listed');
    cpSync(m.hfDir, listed, { recursive: true });
    const cfgPath = join(listed, 'tokenizer_config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, chat_template: [{ name: 'tool_use', template: 'TOOLS' }, { name: 'default', template: 'DEFAULT {{ messages[0].content }}' }] }));
    assert.equal((await loadModel(listed)).tokenizer.applyChatTemplate!(messages), 'DEFAULT Be brief.');

    const separate = join(dir, 'separate');
    cpSync(m.hfDir, separate, { recursive: true });
    writeFileSync(join(separate, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: undefined }));
    writeFileSync(join(separate, 'chat_template.jinja'), 'JINJA {{ messages[1].content }}');
    assert.equal((await loadModel(separate)).tokenizer.applyChatTemplate!(messages), 'JINJA Fix the bug.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
