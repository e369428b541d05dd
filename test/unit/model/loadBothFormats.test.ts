import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../../server/src/model/load';
import { dequantizeQ8_0 } from '../../../server/src/model/q8';
import type { Tensor } from '../../../server/src/model/types';
import { testModel } from '../../helpers/models';

function values(t: Tensor): Float32Array {
  if (t.type === 'q8_0') return dequantizeQ8_0(t.data, t.shape.reduce((a, b) => a * b, 1));
  if (t.type === 'f32') return new Float32Array(t.data.slice().buffer);
  return new Float32Array(0);
}

for (const spec of [
  { arch: 'llama' as const, weightType: 'f32' as const },
  { arch: 'llama' as const, weightType: 'f16' as const, hfShards: 3 },
  { arch: 'qwen2' as const, weightType: 'f32' as const, tied: true },
  { arch: 'llama' as const, weightType: 'q8_0' as const, vocab: 'spm' as const },
]) {
  test(`GGUF and safetensors copies load to the same canonical tensors: ${JSON.stringify(spec)}`, async () => {
    const m = testModel(spec);
    const gguf = await loadModel(m.gguf);
    const hf = await loadModel(m.hfDir);
    assert.deepEqual(hf.config, gguf.config);
    // add_bos_token read from GGUF metadata and from tokenizer_config.json agree (gpt2 vocab: none, as Qwen2).
    assert.equal(gguf.tokenizer.addsBos, spec.vocab === 'spm');
    assert.equal(hf.tokenizer.addsBos, gguf.tokenizer.addsBos);
    assert.deepEqual([...hf.tensors.keys()].sort(), [...gguf.tensors.keys()].sort());
    assert.equal(gguf.config.tiedEmbeddings, spec.tied === true);
    assert.equal(gguf.tensors.has('output.weight'), spec.tied !== true);
    for (const [name, g] of gguf.tensors) {
      const h = hf.tensors.get(name)!;
      assert.deepEqual(h.shape, g.shape, name);
      if (g.type === 'q8_0') {
        // The HF copy holds the dequantised values in F32.
        assert.deepEqual(values(h), values(g), name);
      } else {
        assert.equal(h.type, g.type, name);
        assert.ok(Buffer.from(h.data).equals(Buffer.from(g.data)), `${name} differs between formats`);
      }
    }
  });
}
