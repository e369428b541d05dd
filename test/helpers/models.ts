// Generated test models, cached under .cache/test-models/<hash of the spec>/ so that each is built
// once per machine. Generation goes to a temporary folder renamed into place, because test files run
// in parallel processes and may ask for the same model at once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type TestModelFiles, type TestModelSpec, writeTestModel } from '../../scripts/testModels/randomModel';

/** Bump when the generator's output changes, so stale cached models are not reused. */
const GENERATOR_VERSION = 2;

export const defaultTestModelSpec: TestModelSpec = {
  arch: 'llama',
  weightType: 'f32',
  vocab: 'gpt2',
  vocabSize: 512,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  tied: false,
  seed: 1,
  contextLength: 256,
  hfShards: 1,
};

const root = join(__dirname, '..', '..', '.cache', 'test-models');

export function testModelSpec(overrides: Partial<TestModelSpec> = {}): TestModelSpec {
  return { ...defaultTestModelSpec, ...overrides };
}

/** Paths of the GGUF file and the HF folder of a generated model (built on first use). */
export function testModel(overrides: Partial<TestModelSpec> = {}): TestModelFiles & { spec: TestModelSpec } {
  const spec = testModelSpec(overrides);
  const key = createHash('sha256').update(JSON.stringify({ v: GENERATOR_VERSION, ...spec })).digest('hex').slice(0, 16);
  const name = `${spec.arch}-${spec.weightType}-${spec.vocab}${spec.vocabSize}-${key}`;
  const dir = join(root, name);
  if (!existsSync(join(dir, 'model.gguf'))) {
    mkdirSync(root, { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    writeTestModel(spec, tmp);
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process finished the same model first; its copy is identical.
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { spec, gguf: join(dir, 'model.gguf'), hfDir: join(dir, 'hf') };
}
