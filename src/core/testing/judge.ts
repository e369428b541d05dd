// A candidate's run against the baseline: which failing tests it fixes, which passing ones it breaks,
// and the verdict. Broken: a test that fails now and did not before (named even when the baseline
// never reached it, as after pytest -x or mocha --bail), else a baseline-passing test that is gone.
import type { Baseline, TestRunResult, Verdict } from './types';
import { failingNames, wholeRun } from './baseline';

export interface Judgement {
  fixed: string[];
  broken: string[];
  verdict: Verdict;
}

function brokenTests(run: TestRunResult, baseline: Baseline): string[] {
  const flaky = new Set(baseline.flaky);
  const failedBefore = new Set(baseline.failing);
  const basePassing = baseline.run.tests.filter((t) => t.status === 'pass' && !flaky.has(t.name)).map((t) => t.name);
  if (run.tests.length === 0) return run.ok ? [] : basePassing;
  const newlyFailing = run.tests.filter((t) => t.status === 'fail' && !failedBefore.has(t.name) && !flaky.has(t.name)).map((t) => t.name);
  if (newlyFailing.length > 0) return newlyFailing;
  const seen = new Set(run.tests.map((t) => t.name));
  return basePassing.filter((name) => !seen.has(name));
}

export function judge(run: TestRunResult, baseline: Baseline): Judgement {
  if (run.timedOut || run.outputCapped) return { fixed: [], broken: [], verdict: 'error' };
  const flaky = new Set(baseline.flaky);
  const status = new Map(run.tests.map((t) => [t.name, t.status]));
  const parsed = run.tests.length > 0;
  // A passing run that names no test (pytest -q, an unread format) passed every test it ran.
  const fixed = baseline.failing.filter((name) => (name === wholeRun || !parsed ? run.ok : status.get(name) === 'pass'));
  const broken = brokenTests(run, baseline);
  // A run that fails only in flaky tests still counts as passing.
  const onlyKnownFailures = parsed && run.exitCode !== null && failingNames(run).every((n) => flaky.has(n));
  const passes = run.ok || onlyKnownFailures;

  let verdict: Verdict;
  if (broken.length > 0) verdict = 'breaks';
  // With nothing failing before, nothing can be fixed: passing tests then only show no harm was done.
  else if (passes && baseline.failing.length > 0 && fixed.length === baseline.failing.length) verdict = 'verified';
  else if (fixed.length > 0) verdict = 'partial';
  else verdict = 'no-fix';
  return { fixed, broken, verdict };
}
