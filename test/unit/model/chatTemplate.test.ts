import { test } from 'node:test';
import assert from 'node:assert/strict';
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
