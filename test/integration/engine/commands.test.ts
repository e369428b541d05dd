// The `logits` and `generate` commands as a user runs them (bin/hydrapatch-server.js, a child process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadModel } from '../../../server/src/model/load';
import { cpuForward, logSoftmax } from '../../helpers/reference/cpuForward';
import { llamaCppLogProbs } from '../../helpers/llamacpp';
import { testModel } from '../../helpers/models';
import { maxAbsDiff, randomTokens } from './engineHelpers';

const bin = join(__dirname, '..', '..', '..', 'bin', 'hydrapatch-server.js');

function server(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('logits prints one JSON object with the last position\'s full-vocabulary logits, as llama.cpp computes them', async () => {
  const m = testModel({ arch: 'qwen2', vocabSize: 777, numHeads: 6, numKvHeads: 2, hiddenSize: 96 });
  const tokens = randomTokens(12, m.spec.vocabSize, 5);
  const r = server(['logits', '--model', m.gguf, '--tokens', tokens.join(',')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'exactly one line of output');
  const { logits } = JSON.parse(r.stdout) as { logits: number[] };
  assert.equal(logits.length, m.spec.vocabSize);
  // One extra token: llama.cpp's helper answers a sequence's last position differently (see llamaCppLogits.test.ts).
  const theirs = (await llamaCppLogProbs(m.gguf, [...tokens, 0], m.spec.vocabSize))[tokens.length - 1];
  const diff = maxAbsDiff([logSoftmax(logits)], [theirs]);
  assert.ok(diff <= 1e-4, `max |Δ log-softmax| vs llama.cpp = ${diff}`);
});

test('logits rejects bad token lists and out-of-vocabulary ids with a clear message', () => {
  const m = testModel({});
  const bad = server(['logits', '--model', m.gguf, '--tokens', '1,x,3']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--tokens must be a comma-separated list of token ids/);
  const outside = server(['logits', '--model', m.gguf, '--tokens', `1,${m.spec.vocabSize}`]);
  assert.equal(outside.status, 1);
  assert.match(outside.stderr, new RegExp(`token id ${m.spec.vocabSize} is outside the vocabulary`));
});

async function greedyReference(path: string, prompt: number[], maxTokens: number): Promise<number[]> {
  const model = await loadModel(path);
  const out: number[] = [];
  while (out.length < maxTokens) {
    const rows = cpuForward(model, [...prompt, ...out]);
    const last = rows[rows.length - 1];
    let best = 0;
    for (let i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
    if (model.tokenizer.eosIds.includes(best)) break;
    out.push(best);
  }
  return out;
}

for (const chat of [false, true]) {
  test(`generate --temperature 0${chat ? ' --chat' : ''} prints the greedy continuation of the plain-TS reference`, async () => {
    const m = testModel({ vocab: chat ? 'gpt2' : 'spm', vocabSize: 600 });
    const model = await loadModel(m.gguf);
    const text = 'fix the bug in main';
    const prompt = chat ? model.tokenizer.encode(model.tokenizer.applyChatTemplate!([{ role: 'user', content: text }]), { addBos: false }) : model.tokenizer.encode(text);
    const want = model.tokenizer.decode(await greedyReference(m.gguf, prompt, 8));
    assert.ok(want.length > 0, 'the reference continuation is empty: pick another prompt');
    const r = server(['generate', '--model', m.gguf, '--prompt', text, '--max-tokens', '8', '--temperature', '0', '--seed', '1', ...(chat ? ['--chat'] : [])]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, want + '\n');
  });
}
