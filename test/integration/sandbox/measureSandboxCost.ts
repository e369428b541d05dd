// Prints what the sandbox costs per test run on the JS fixture (a real repository, worktree and
// node --test run): `npx tsx test/integration/sandbox/measureSandboxCost.ts [runs]`. A table, then JSON.
import { measureSandboxCost } from '../../../src/core/sandbox/measureCost';
import { linkNodeModules, makeScene } from './scene';

async function main(): Promise<void> {
  const scene = makeScene('legitJs');
  try {
    linkNodeModules(scene, 'legitJs');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: scene.home };
    delete env.NODE_TEST_CONTEXT;
    const cost = await measureSandboxCost({
      command: 'node --test --test-reporter=tap',
      cwd: scene.worktree,
      env,
      hidden: [scene.pool, scene.user],
      runs: Number(process.argv[2] ?? 9),
    });
    console.log(`sandbox ${cost.kind}, ${cost.runs} runs each`);
    console.log(`unsandboxed median  ${cost.plainMedianMs.toFixed(0)} ms`);
    console.log(`sandboxed median    ${cost.sandboxedMedianMs.toFixed(0)} ms`);
    console.log(`sandboxed/unsandboxed ${cost.ratio.toFixed(3)}x (goal <= 1.2x)`);
    console.log(JSON.stringify(cost));
  } finally {
    scene.cleanup();
  }
}

void main();
