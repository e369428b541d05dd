// The exact per-sample solve probability of the demo model: every path of its chain, the path's text
// applied to a copy of examples/cart by the pipeline's own applier, the example's real tests run on
// each distinct result, and the probabilities of the passing paths summed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { enumeratePaths } from '../../../scripts/makeDemoModel';
import { applySampleToDirectory } from '../../helpers/applySample';

const run = promisify(execFile);
export const exampleDir = join(__dirname, '..', '..', '..', 'examples', 'cart');

export interface Classified {
  probability: number;
  byText: Map<string, boolean>;
}

/** Exact solve probability: every path, its edits applied to the example, the example's tests run. */
export async function exactSolveProbability(): Promise<Classified> {
  const paths = enumeratePaths();
  const total = paths.reduce((s, p) => s + p.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-12, `path probabilities sum to ${total}`);
  // Apply each distinct text; paths that change the files the same way share one test run.
  const diffOf = new Map<string, string | null>();
  for (const text of new Set(paths.map((p) => p.text))) {
    const dir = mkdtempSync(join(tmpdir(), 'hp-demo-path-'));
    cpSync(exampleDir, dir, { recursive: true });
    const applied = await applySampleToDirectory(dir, text);
    diffOf.set(text, applied.status === 'clean' || applied.status === 'fuzzy' ? applied.diff : null);
    rmSync(dir, { recursive: true, force: true });
  }
  const passes = new Map<string, boolean>();
  for (const [text, diff] of diffOf) {
    if (diff === null || passes.has(diff)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'hp-demo-path-'));
    try {
      cpSync(exampleDir, dir, { recursive: true });
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

