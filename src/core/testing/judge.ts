// A candidate's run against the baseline: which failing tests it fixes, which passing ones it breaks
// (a test that disappeared counts as broken: deleting a test is not a fix), and the verdict.
import type { Baseline, TestRunResult, Verdict } from '../pipeline/types';
import { failingNames, wholeRun } from './baseline';

export interface Judgement {
  fixed: string[];
  broken: string[];
  verdict: Verdict;
}

export function judge(run: TestRunResult, baseline: Baseline): Judgement {
  if (run.timedOut || run.outputCapped) return { fixed: [], broken: [], verdict: 'error' };
  const flaky = new Set(baseline.flaky);
  const nowFailing = new Set(failingNames(run));
  const status = new Map(run.tests.map((t) => [t.name, t.status]));
  const parsed = run.tests.length > 0;

  const fixed = baseline.failing.filter((name) => (name === wholeRun ? run.ok : status.get(name) === 'pass'));
  const broken = baseline.run.tests
    .filter((t) => t.status === 'pass' && !flaky.has(t.name))
    .filter((t) => (parsed ? status.get(t.name) !== 'pass' && status.get(t.name) !== 'skip' : !run.ok))
    .map((t) => t.name);
  // A run that fails only in flaky tests (or in tests the baseline could not run either) still counts as passing.
  const onlyKnownFailures = parsed && run.exitCode !== null && [...nowFailing].every((n) => flaky.has(n));
  const passes = run.ok || onlyKnownFailures;

  let verdict: Verdict;
  if (broken.length > 0) verdict = 'breaks';
  // With nothing failing before, nothing can be fixed: passing tests then only show no harm was done.
  else if (passes && baseline.failing.length > 0 && fixed.length === baseline.failing.length) verdict = 'verified';
  else if (fixed.length > 0) verdict = 'partial';
  else verdict = 'no-fix';
  return { fixed, broken, verdict };
}
