// A bounded loopback load (8 clients × 20 s here; bench/serverLoad.ts runs the full minute): no error,
// and the server's memory back within 5% of where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testModel } from '../../helpers/models';
import { jsMemoryGrowth, runLoad } from './loadDriver';
import { startTestServer } from './serverFixture';

test('8 clients drawing and cancelling jobs for 20 s: no error, memory returns within 5%', async () => {
  const server = await startTestServer({ model: testModel().gguf });
  try {
    const report = await runLoad({ wsUrl: server.wsUrl, token: server.token, clients: 8, durationMs: 20_000, cancelEvery: 3, maxTokens: 8, warmupMs: 3000 });
    assert.deepEqual(report.errors, []);
    assert.ok(report.jobs >= 8, `only ${report.jobs} jobs finished`);
    assert.ok(report.cancelledJobs > 0);
    assert.equal(report.after.jobsRunning, 0);
    assert.equal(report.after.kvBytesInUse, report.before.kvBytesInUse);
    const growth = jsMemoryGrowth(report);
    assert.ok(Math.abs(growth) <= 0.05, `JS memory changed by ${(growth * 100).toFixed(1)}%`);
  } finally {
    const exit = await server.stop();
    assert.equal(exit.code, 0, exit.stderrTail);
  }
});
