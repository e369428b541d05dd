// A model's chat template reaches prompts sampled through the bundled server: the server cuts the
// template into a ChatWrap when it loads the model, the client exposes it as SampleSource.chatWrap, and
// the pipeline's prompt tree puts the template's turns around the instructions. The reference is the
// template itself, read from the model's tokenizer_config.json and rendered here with @huggingface/jinja.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { ServerClient } from '../../../src/core/backends/serverClient';
import type { ServerProcess } from '../../../src/core/backends/serverProcess';
import { buildSolvePrompt } from '../../../src/core/pipeline/buildPrompt';
import type { SolveOptions } from '../../../src/core/pipeline/types';
import { toPromptTree } from '../../../src/core/prompt/buildPrompt';
import { plainWrap } from '../../../src/core/prompt/chatWrap';
import { chatmlWrap } from '../../helpers/chatWraps';
import { systemInstructions } from '../../../src/core/prompt/instructions';
import type { ChatWrap } from '../../../src/protocol/chatWrap';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import { makeRepo } from '../../helpers/gitRepo';
import { testModel } from '../../helpers/models';
import { startTestServer } from './serverFixture';

const qwen = testModel({ arch: 'qwen2' });
const spm = testModel({ vocab: 'spm', vocabSize: 1024 });
let server: ServerProcess;
let client: ServerClient;

before(async () => {
  server = await startTestServer({ model: qwen.gguf, kvBudgetBytes: 8 * 2 ** 20 });
  client = await ServerClient.connect({ url: server.wsUrl, token: server.token });
});

after(async () => {
  await client.close();
  const exit = await server.stop();
  assert.equal(exit.code, 0, exit.stderrTail);
});

/** The wrap by rendering the model's own template (tokenizer_config.json) with sentinels, BOS text removed. */
function referenceWrap(hfDir: string): ChatWrap {
  const cfg = JSON.parse(readFileSync(join(hfDir, 'tokenizer_config.json'), 'utf8')) as { chat_template: string; bos_token: string | null; eos_token: string | null };
  const text = new Template(cfg.chat_template).render({
    messages: [{ role: 'system', content: '@SYS@' }, { role: 'user', content: '@USR@' }],
    add_generation_prompt: true,
    bos_token: cfg.bos_token ?? '',
    eos_token: cfg.eos_token ?? '',
  });
  const [head, rest] = text.split('@SYS@') as [string, string];
  const [between, afterUser] = rest.split('@USR@') as [string, string];
  return { beforeSystem: cfg.bos_token && head.startsWith(cfg.bos_token) ? head.slice(cfg.bos_token.length) : head, betweenSystemAndUser: between, afterUser };
}

test('the model info carries the chat wrap of the model\'s template (ChatML for the qwen2 model)', () => {
  assert.deepEqual(client.modelInfo?.chatWrap, referenceWrap(qwen.hfDir));
  assert.deepEqual(client.chatWrap, chatmlWrap);
});

test('a template that writes BOS itself: the wrap leaves BOS to the prompt tree', async () => {
  const other = await ServerClient.connect({ url: server.wsUrl, token: server.token });
  try {
    const info = await other.load(spm.gguf);
    assert.deepEqual(info.chatWrap, referenceWrap(spm.hfDir));
    assert.deepEqual(other.chatWrap, { beforeSystem: '[system] ', betweenSystemAndUser: '</s>[user] ', afterUser: '</s>[assistant] ' });
  } finally {
    await other.close();
  }
});

test('the pipeline\'s prompt tree for the bundled server has the template\'s turns around the instructions', async () => {
  const repo = makeRepo({ 'src/add.js': 'exports.add = (a, b) => a - b;\n', 'test/add.test.js': "require('node:assert').equal(require('../src/add').add(1, 2), 3);\n" });
  try {
    const options: SolveOptions = {
      repoDir: repo.dir,
      issueText: 'add(1, 2) returns -1 instead of 3 (src/add.js)',
      n: 3,
      source: client,
      sampleParams: defaultSampleParams,
      parallelTests: 1,
      testTimeoutMs: 10_000,
      outputCapBytes: 1 << 20,
      sandbox: 'off',
      contextBudgetTokens: 2000,
    };
    const tree = await buildSolvePrompt(options);
    const root = tree.root.text ?? '';
    assert.ok(root.startsWith(`<|im_start|>system\n${systemInstructions}<|im_end|>\n<|im_start|>user\n`), root.slice(0, 200));
    assert.ok(root.includes('src/add.js'));
    const leaves = tree.root.children ?? [];
    assert.equal(leaves.length, 1);
    assert.ok(leaves[0]!.text?.endsWith('<|im_end|>\n<|im_start|>assistant\n'), leaves[0]!.text);
    // An explicit wrap still wins over the source's.
    const plain = await buildSolvePrompt({ ...options, chatWrap: plainWrap });
    assert.ok(plain.root.text?.startsWith(systemInstructions));
    assert.ok(!plain.root.text?.includes('<|im_start|>'));
  } finally {
    repo.cleanup();
  }
});

test('a tree wrapped with the received wrap samples on the server', async () => {
  const tree = toPromptTree({ system: 'Fix the bug.', sharedUser: 'add returns a - b\n', leaves: [{ userTail: 'Answer.', n: 2 }] }, client.chatWrap!);
  let samples = 0;
  const totals = await client.draw(tree, { ...defaultSampleParams, maxTokens: 4, seed: 1 }, { onSample: () => samples++ }, new AbortController().signal);
  assert.equal(samples, 2);
  assert.equal(totals.samples, 2);
});
