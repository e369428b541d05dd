// A candidate's run judged with the kept reproduction tests. The project's own tests are judged as
// before (testing/judge.ts) on the run without the reproduction cases; a reproduction test passes when
// every case of it that failed on the unmodified tree now passes. Verified needs no broken test, every
// failing test fixed, and at least `quorum` reproduction tests passing (default: all of them).
import type { Baseline, TestRunResult } from '../testing/types';
import { judge, type Judgement } from '../testing/judge';
import type { Evidence, ReproOutcome, ReproTest } from './types';

export interface ReproJudgement extends Judgement {
  repro: ReproOutcome;
  evidence?: Evidence;
}

export function judgeWithRepro(run: TestRunResult, baseline: Baseline, kept: ReproTest[], quorum?: number): ReproJudgement {
  const reproCases = new Set(kept.flatMap((t) => t.failing));
  const status = new Map(run.tests.map((t) => [t.name, t.status]));
  // A runner that names only failures (plain pytest): in a clean run, a case it does not name passed.
  const namesOnlyFailures = run.ok && !run.tests.some((t) => t.status === 'pass');
  const passes = (name: string) => status.get(name) === 'pass' || (namesOnlyFailures && !status.has(name));
  const passed = kept.filter((t) => t.failing.every(passes)).map((t) => t.index);
  const repro = { passed, failed: kept.filter((t) => !passed.includes(t.index)).map((t) => t.index) };
  // A reproduction case named like one of the project's tests stays with it: hiding it would count as deleting that test.
  const own = new Set(baseline.run.tests.map((t) => t.name));
  const tests = run.tests.filter((t) => !reproCases.has(t.name) || own.has(t.name));
  // The run fails while a reproduction test fails; the project's own tests are judged on their own cases.
  const ownOk = run.ok || (tests.length > 0 && run.exitCode !== null && !run.timedOut && !run.outputCapped && tests.every((t) => t.status !== 'fail'));
  const judged = judge({ ...run, tests, ok: ownOk }, baseline);
  if (kept.length === 0 || judged.verdict === 'breaks' || judged.verdict === 'error') return { ...judged, repro, ...evidenceOf(judged.fixed.length, 0) };
  const needed = Math.min(quorum ?? kept.length, kept.length);
  const reproOk = passed.length >= needed;
  let verdict = judged.verdict;
  if (baseline.failing.length > 0) {
    if (judged.verdict === 'verified' && !reproOk) verdict = 'partial';
    else if (judged.verdict === 'no-fix' && passed.length > 0) verdict = 'partial';
  } else {
    verdict = reproOk ? 'verified' : passed.length > 0 ? 'partial' : 'no-fix';
  }
  return { ...judged, verdict, repro, ...evidenceOf(judged.fixed.length, passed.length) };
}

function evidenceOf(fixed: number, reproPassed: number): { evidence?: Evidence } {
  if (fixed > 0 && reproPassed > 0) return { evidence: 'both' };
  if (fixed > 0) return { evidence: 'failing-tests' };
  if (reproPassed > 0) return { evidence: 'reproduction-tests' };
  return {};
}
