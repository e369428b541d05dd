import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuForward, logSoftmax } from '../../helpers/reference/cpuForward';
import { loadModel } from '../../../server/src/model/load';
import { writeTestModel } from '../../../scripts/testModels/randomModel';
import { testModel, testModelSpec } from '../../helpers/models';

test('a spec always gives the same files, and another seed other weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-gen-'));
  try {
    const spec = testModelSpec({ vocabSize: 300, numLayers: 1 });
    const a = writeTestModel(spec, join(dir, 'a'));
    const b = writeTestModel(spec, join(dir, 'b'));
    const c = writeTestModel({ ...spec, seed: 2 }, join(dir, 'c'));
    assert.ok(readFileSync(a.gguf).equals(readFileSync(b.gguf)));
    assert.ok(readFileSync(join(a.hfDir, 'model.safetensors')).equals(readFileSync(join(b.hfDir, 'model.safetensors'))));
    assert.ok(!readFileSync(a.gguf).equals(readFileSync(c.gguf)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Comparisons between engines only mean something if the model is not saturated: logits spread over
// a few units, next-token distributions neither one-hot nor uniform, at every position.
test('generated models give sane, unsaturated logits', async () => {
  for (const spec of [{ arch: 'llama' as const }, { arch: 'qwen2' as const, tied: true }, { arch: 'llama' as const, tied: true, vocab: 'spm' as const, numLayers: 3 }]) {
    const model = await loadModel(testModel(spec).gguf);
    const tokens = Array.from({ length: 32 }, (_, i) => (i * 131 + 7) % model.config.vocabSize);
    for (const logits of cpuForward(model, tokens)) {
      const mean = logits.reduce((a, b) => a + b, 0) / logits.length;
      const std = Math.sqrt(logits.reduce((a, b) => a + (b - mean) ** 2, 0) / logits.length);
      const lp = logSoftmax(logits);
      const maxP = Math.exp(Math.max(...lp));
      const entropy = -lp.reduce((a, l) => a + Math.exp(l) * l, 0);
      assert.ok(std > 0.3 && std < 5, `${JSON.stringify(spec)}: logit std ${std}`);
      assert.ok(maxP < 0.9, `${JSON.stringify(spec)}: top probability ${maxP}`);
      assert.ok(entropy > 0.5 && entropy < Math.log(logits.length) - 0.05, `${JSON.stringify(spec)}: entropy ${entropy}`);
    }
  }
});
