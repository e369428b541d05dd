import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HydrapatchError } from '../../../src/protocol/errors';
import { CpuSequence, cpuForward } from '../../helpers/reference/cpuForward';
import { loadModel } from '../../../server/src/model/load';
import { testModel } from '../../helpers/models';

// cpuForward itself is proven against llama.cpp (test/integration/llamacpp); here the incremental
// form must give the same numbers as one full pass, whatever way the tokens arrive.
test('appending step by step, in chunks, or after a fork gives the logits of one full pass', async () => {
  for (const arch of ['llama', 'qwen2'] as const) {
    const model = await loadModel(testModel({ arch }).gguf);
    const tokens = [3, 141, 59, 265, 35, 89, 79, 323, 84, 62, 64, 33];
    const full = cpuForward(model, tokens);

    const stepwise = new CpuSequence(model);
    const steps = tokens.flatMap((tok) => stepwise.append([tok]));
    assert.equal(stepwise.length, tokens.length);

    const chunked = new CpuSequence(model);
    const chunks = [...chunked.append(tokens.slice(0, 5)), ...chunked.append(tokens.slice(5, 6)), ...chunked.append(tokens.slice(6))];

    const prefix = new CpuSequence(model);
    prefix.append(tokens.slice(0, 7));
    const branch = prefix.fork();
    const other = prefix.fork();
    other.append([1, 2, 3]);
    const fromFork = branch.append(tokens.slice(7));
    assert.equal(prefix.length, 7, 'forks do not change the sequence they came from');

    for (let p = 0; p < tokens.length; p++) {
      for (let v = 0; v < full[p].length; v++) {
        assert.ok(Math.abs(steps[p][v] - full[p][v]) < 1e-12, `${arch} step ${p}`);
        assert.ok(Math.abs(chunks[p][v] - full[p][v]) < 1e-12, `${arch} chunk ${p}`);
        if (p >= 7) assert.ok(Math.abs(fromFork[p - 7][v] - full[p][v]) < 1e-12, `${arch} fork ${p}`);
      }
    }
  }
});

test('token ids outside the vocabulary are refused with a HydrapatchError', async () => {
  const model = await loadModel(testModel().gguf);
  for (const bad of [model.config.vocabSize, -1, 1.5]) {
    assert.throws(() => cpuForward(model, [1, bad]), (err: unknown) => err instanceof HydrapatchError && err.code === 'bad_token' && err.message.includes(String(bad)));
  }
});
