// The demo model (scripts/makeDemoModel.ts, committed as models/demo-bigram.gguf) is what it says:
// - the committed file is exactly what the script writes;
// - it is a valid llama GGUF whose next-token distribution is the bigram table, by our loader and
//   reference forward pass and by llama.cpp;
// - its exact per-sample solve probability, from enumerating every path of the chain, applying each
//   path's edits to the example repository and running the example's real tests, lies in 10–30%;
// - samples drawn from the model (reference forward + the server's sampler, fixed seed) give coverage
//   at k=1 and k=32 where that exact probability says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildDemoModel, defaultDemoModelPath, demoLines, demoTransitions, enumeratePaths, writeDemoModel, type DemoLine, type DemoState } from '../../../scripts/makeDemoModel';
import { cpuForward, logSoftmax } from '../../../server/src/model/cpuForward';
import { loadModel } from '../../../server/src/model/load';
import { pickToken, sampleUniform } from '../../../server/src/sampling/sampler';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import { applySampleToDirectory } from '../../../src/core/edits/applyToDirectory';
import { passAtK } from '../../../src/core/coverage/passAtK';
import { llamaCppLogProbs } from '../../helpers/llamacpp';

const run = promisify(execFile);
const root = join(__dirname, '..', '..', '..');
const example = join(root, 'examples', 'cart');

test('the committed demo model is exactly what scripts/makeDemoModel.ts writes, and well under 20 MB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-demo-'));
  const fresh = join(dir, 'demo.gguf');
  writeDemoModel(fresh);
  const committed = readFileSync(defaultDemoModelPath);
  assert.ok(committed.length < 20 * 1024 * 1024);
  assert.ok(committed.equals(readFileSync(fresh)), 'models/demo-bigram.gguf is stale: run npx tsx scripts/makeDemoModel.ts');
  rmSync(dir, { recursive: true, force: true });
});

/** log P(next | state) from the table, for every vocabulary entry (impossible: -Infinity). */
function tableLogProbs(state: DemoState, vocabSize: number, ids: Record<DemoLine, number>, eosId: number): Float64Array {
  const out = new Float64Array(vocabSize).fill(-Infinity);
  for (const [next, p] of Object.entries(demoTransitions[state])) out[next === 'eos' ? eosId : ids[next as DemoLine]] = Math.log(p as number);
  return out;
}

function maxDiffOnSupport(got: Float64Array, want: Float64Array): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    if (want[i] === -Infinity) m = Math.max(m, got[i] > -60 ? Infinity : 0);
    else m = Math.max(m, Math.abs(got[i] - want[i]));
  }
  return m;
}

test('its next-token distribution is the bigram table: our loader and forward pass, and llama.cpp', async (t) => {
  const built = buildDemoModel();
  const model = await loadModel(defaultDemoModelPath);
  const ids = built.lineTokenIds;
  // Prompt tokens (any text) lead to "start"; then a walk through the chain.
  const prompt = model.tokenizer.encode('Fix the issue. Reply with SEARCH/REPLACE blocks.\n\n');
  const walk: DemoLine[] = ['proseRight', 'fileRight', 'search', 'searchLoop', 'divider', 'replaceLoopRight', 'replace'];
  const tokens = [...prompt, ...walk.map((l) => ids[l])];
  const states: DemoState[] = [...prompt.map((): DemoState => 'start'), ...walk];
  for (const l of walk) assert.equal(model.tokenizer.decode([ids[l]]), demoLines[l]);

  const ours = cpuForward(model, tokens).map(logSoftmax);
  const theirs = await llamaCppLogProbs(defaultDemoModelPath, tokens, model.config.vocabSize);
  let oursMax = 0;
  let theirsMax = 0;
  states.forEach((s, p) => {
    const want = tableLogProbs(s, model.config.vocabSize, ids, built.eosId);
    oursMax = Math.max(oursMax, maxDiffOnSupport(ours[p], want));
    theirsMax = Math.max(theirsMax, maxDiffOnSupport(theirs[p], want));
  });
  t.diagnostic(`max |Δ log P| vs the table: reference forward ${oursMax.toExponential(2)}, llama.cpp ${theirsMax.toExponential(2)}`);
  assert.ok(oursMax < 1e-5 && theirsMax < 1e-4);
});

interface Classified {
  probability: number;
  byText: Map<string, boolean>;
}

/** Exact solve probability: every path, its edits applied to the example, the example's tests run. */
async function exactSolveProbability(): Promise<Classified> {
  const paths = enumeratePaths();
  const total = paths.reduce((s, p) => s + p.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-12, `path probabilities sum to ${total}`);
  // Apply each distinct text; paths that change the files the same way share one test run.
  const diffOf = new Map<string, string | null>();
  for (const text of new Set(paths.map((p) => p.text))) {
    const dir = mkdtempSync(join(tmpdir(), 'hp-demo-path-'));
    cpSync(example, dir, { recursive: true });
    const applied = await applySampleToDirectory(dir, text);
    diffOf.set(text, applied.status === 'failed' ? null : applied.diff);
    rmSync(dir, { recursive: true, force: true });
  }
  const passes = new Map<string, boolean>();
  for (const [text, diff] of diffOf) {
    if (diff === null || passes.has(diff)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'hp-demo-path-'));
    try {
      cpSync(example, dir, { recursive: true });
      await applySampleToDirectory(dir, text);
      // A nested `node --test` must not see the outer runner's NODE_TEST_CONTEXT, or it reports to it
      // instead of exiting non-zero on failure.
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      passes.set(diff, await run(process.execPath, ['--test'], { cwd: dir, env, timeout: 60_000 }).then(() => true, () => false));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const byText = new Map<string, boolean>();
  for (const [text, diff] of diffOf) byText.set(text, diff !== null && (passes.get(diff) ?? false));
  return { probability: paths.reduce((s, p) => s + (byText.get(p.text) ? p.probability : 0), 0), byText };
}

test('one sample solves the example issue 10–30% of the time (exact, over every path); coverage at k=1 and k=32 match it', async (t) => {
  const exact = await exactSolveProbability();
  const p = exact.probability;
  t.diagnostic(`exact per-sample solve probability ${p.toFixed(6)}; pass@32 = ${(1 - (1 - p) ** 32).toFixed(6)}`);
  assert.ok(p >= 0.1 && p <= 0.3, `solve probability ${p}`);
  assert.ok([...exact.byText.values()].some((ok) => !ok), 'some paths must fail');

  // Draw samples from the model itself: logits from the reference forward pass over the GGUF, tokens
  // from the server's sampler (temperature 1, no filtering), fixed seed.
  const model = await loadModel(defaultDemoModelPath);
  const params = { ...defaultSampleParams, temperature: 1, topP: 1, topK: 0, minP: 0, seed: 20261129 };
  const promptLast = model.tokenizer.encode('Reply with SEARCH/REPLACE blocks.\n\n').slice(-1);
  const runs = 16;
  const n = 32;
  const solvedPerRun: number[] = [];
  for (let r = 0; r < runs; r++) {
    let c = 0;
    for (let s = 0; s < n; s++) {
      const seq = [...promptLast];
      for (let step = 0; step < 32; step++) {
        const logits = cpuForward(model, seq).at(-1) as Float64Array;
        const { token } = pickToken(Float32Array.from(logits), params, sampleUniform(params.seed, r * n + s, step));
        if (model.tokenizer.eosIds.includes(token)) break;
        seq.push(token);
      }
      const text = model.tokenizer.decode(seq.slice(promptLast.length));
      const ok = exact.byText.get(text);
      assert.notEqual(ok, undefined, `a sample that is no path of the chain: ${JSON.stringify(text)}`);
      if (ok) c++;
    }
    solvedPerRun.push(c);
  }
  const total = solvedPerRun.reduce((a, b) => a + b, 0);
  const pass1 = total / (runs * n);
  const pass32 = solvedPerRun.filter((c) => passAtK(n, c, n) === 1).length / runs;
  t.diagnostic(`sampled: pass@1 ${pass1.toFixed(4)} (exact ${p.toFixed(4)}), runs of 32 with a fix ${pass32 * runs}/${runs} (exact pass@32 ${(1 - (1 - p) ** 32).toFixed(4)})`);
  // k=1: 512 samples; 4 standard deviations of a binomial proportion (fails by chance < 1e-4).
  const sd = Math.sqrt((p * (1 - p)) / (runs * n));
  assert.ok(Math.abs(pass1 - p) < 4 * sd, `pass@1 ${pass1} vs exact ${p} (sd ${sd})`);
  // k=32: each run of 32 finds a fix with probability 1 − (1 − p)^32 ≈ 0.99; at most 2 of 16 may miss
  // (a chance below 1e-3 when the construction holds).
  assert.ok(pass32 * runs >= runs - 2, `only ${pass32 * runs} of ${runs} runs of 32 found a fix`);
});
