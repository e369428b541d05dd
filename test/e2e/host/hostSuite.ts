// Entry of the tests that run INSIDE the real extension host (code-server's smoke-test-driver route,
// setup-notes.md). Bundled to out/e2e/hostSuite.js; mocha comes from the repository's node_modules.
// Mocha's console goes to the browser, so the results also go to the JSON file $HP_E2E_REPORT.
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import { registerHostTests, type HostMode } from './hostTests';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'hostTests', mocha);
  registerHostTests((process.env.HP_E2E_MODE ?? 'trusted') as HostMode);
  const results: { title: string; state: string; error?: string; ms?: number }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run(async (failures) => {
      if (process.env.HP_E2E_REPORT) writeFileSync(process.env.HP_E2E_REPORT, JSON.stringify({ failures, results }, null, 2));
      // A moment for the panel to render the last state before the workbench is screenshot and closed.
      await new Promise((r) => setTimeout(r, 5000));
      if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: `${err.message}\n${err.stack ?? ''}` }));
  });
}
