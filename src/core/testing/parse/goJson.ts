// go test -json: one event per line; the last pass/fail/skip action of each test is its result.
// Names are "package/Test" (subtests "package/Test/sub"), so equal test names in two packages stay apart.
import type { TestCaseResult, TestStatus } from '../types';

const actions: Record<string, TestStatus> = { pass: 'pass', fail: 'fail', skip: 'skip' };

export function parseGoJson(output: string): TestCaseResult[] {
  const byName = new Map<string, TestStatus>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let event: { Action?: string; Package?: string; Test?: string };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue;
    }
    const status = event.Action === undefined ? undefined : actions[event.Action];
    if (!status || !event.Package) continue;
    // A package that fails without a test failing (a build error) is one failing entry.
    if (event.Test === undefined) {
      if (status === 'fail') byName.set(`${event.Package} (package)`, 'fail');
      continue;
    }
    byName.set(`${event.Package}/${event.Test}`, status);
  }
  return [...byName].map(([name, status]) => ({ name, status }));
}
