// Draw more through the real server (tiny generated model): the server's sample i comes from
// (seed, i) alone, so a second round drawn with the first round's seed would repeat it. The second
// round must be exactly what the server gives for seed + the first round's count, and share no
// sample with the first (the prompt, some 900 tokens, needs a 2048-token model). The first round is checked against a direct draw too (the reference is
// the server itself, asked outside the pipeline).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerClient } from '../../../src/core/backends/serverClient';
import type { ServerProcess } from '../../../src/core/backends/serverProcess';
import { solve } from '../../../src/core/pipeline/solve';
import { roundTree } from '../../../src/core/pipeline/resume';
import type { ResumableRun } from '../../../src/core/pipeline/types';
import type { PromptTree } from '../../../src/protocol/promptTree';
import { defaultSampleParams, type SampleParams } from '../../../src/protocol/sampling';
import { makeRepo } from '../../helpers/gitRepo';
import { testModel } from '../../helpers/models';
import { startTestServer } from '../server/serverFixture';
import { files, solveOptions } from './addFixture';

let server: ServerProcess;
let client: ServerClient;

before(async () => {
  server = await startTestServer({ model: testModel({ contextLength: 2048 }).gguf, kvBudgetBytes: 32 * 2 ** 20 });
  client = await ServerClient.connect({ url: server.wsUrl, token: server.token });
});

after(async () => {
  await client.close();
  await server.stop();
});

async function direct(tree: PromptTree, params: SampleParams): Promise<string[]> {
  const texts: { index: number; text: string }[] = [];
  await client.draw(tree, params, { onSample: (s) => texts.push(s) }, new AbortController().signal);
  return texts.sort((a, b) => a.index - b.index).map((s) => s.text);
}

test('the second round is the server\'s draw at seed + 3, numbered 3–5, repeating none of the first', async () => {
  const repo = makeRepo(files);
  try {
    const params: SampleParams = { ...defaultSampleParams, temperature: 1, maxTokens: 12, seed: 7 };
    const options = solveOptions(repo.dir, [], { n: 3, source: client, sampleParams: params, runTests: false });
    const texts = new Map<number, string>();
    let first: ResumableRun | undefined;
    await solve(options, { onSample: (s) => texts.set(s.index, s.text), onResumable: (r) => (first = r) }, new AbortController().signal);
    assert.ok(first);
    await solve(options, { onSample: (s) => texts.set(s.index, s.text) }, new AbortController().signal, first);
    assert.deepEqual([...texts.keys()].sort(), [0, 1, 2, 3, 4, 5]);
    const round = (from: number) => [from, from + 1, from + 2].map((i) => texts.get(i));
    const tree = roundTree(first.tree, 3);
    assert.deepEqual(round(0), await direct(tree, params), 'the first round is the server\'s draw at the seed');
    assert.deepEqual(round(3), await direct(tree, { ...params, seed: params.seed + 3 }), 'the second round is the draw at seed + 3');
    assert.ok(round(3).every((t) => !round(0).includes(t)), 'a sample of the first round came again');
  } finally {
    repo.cleanup();
  }
});
