// RunState → what the review panel shows (src/protocol/webview.ts). No `vscode` here.
import type { CandidateResult } from '../core/pipeline/types';
import type { PanelGroup, PanelReproTest, PanelState, TestCell } from '../protocol/webview';
import { diffPaths } from './candidateFiles';
import type { RunState } from './runState';

/** Runs whose format gave no per-test results are shown as one row named after the command. */
const WHOLE_RUN = '(whole test run)';
const MAX_TESTS = 60;

function testNames(run: RunState): string[] {
  const failing = run.baseline?.failing ?? [];
  const names = new Set<string>(failing);
  for (const t of run.baseline?.run.tests ?? []) names.add(t.name);
  for (const c of run.candidates.values()) for (const t of c.test?.tests ?? []) names.add(t.name);
  if (names.size === 0 && [...run.candidates.values()].some((c) => c.test)) names.add(WHOLE_RUN);
  return [...names].slice(0, MAX_TESTS);
}

function cells(c: CandidateResult | undefined, names: string[], flaky: Set<string>): Record<string, TestCell> {
  const out: Record<string, TestCell> = {};
  const status = new Map((c?.test?.tests ?? []).map((t) => [t.name, t.status]));
  for (const name of names) {
    if (!c?.test) out[name] = 'not-run';
    else if (name === WHOLE_RUN) out[name] = c.test.ok ? 'pass' : 'fail';
    else if (flaky.has(name)) out[name] = 'flaky';
    else if (c.fixed.includes(name)) out[name] = 'fixed';
    else if (c.broken.includes(name)) out[name] = 'new-failure';
    else if (status.get(name) === 'pass') out[name] = 'pass';
    else if (status.get(name) === 'fail') out[name] = 'fail';
    else out[name] = 'not-run';
  }
  return out;
}

function testNotes(run: RunState): string[] {
  const b = run.baseline;
  if (!b || run.testsSkippedReason) return [];
  const notes: string[] = [];
  if (b.failing.length === 0 && !run.reproTests.some((t) => t.kept)) notes.push('The tests PASS on the unmodified tree: no candidate can be verified. Add a test that reproduces the issue.');
  if (b.run.format === 'exit-code') notes.push('Judged by exit code only: no per-test result could be read from the test output.');
  return notes;
}

export function panelState(run: RunState): PanelState {
  const tests = testNames(run);
  const flaky = new Set(run.baseline?.flaky ?? []);
  const groups: PanelGroup[] = run.visibleGroups().map((g) => {
    const rep = run.candidates.get(g.representative);
    return {
      id: g.id,
      rank: g.rank,
      // Without a test run the pipeline's verdict ("no-fix") says nothing; call it what it is.
      verdict: run.testsSkippedReason ? 'untested' : g.verdict,
      size: g.members.length,
      representative: g.representative,
      members: g.members,
      applyStatus: rep?.apply.status ?? 'failed',
      changedLines: g.changedLines,
      files: rep?.apply.files.length ? rep.apply.files : diffPaths(g.diff),
      tests: cells(rep, tests, flaky),
      sandbox: rep?.test?.sandbox ?? '',
      applied: run.applied.has(g.representative),
      discarded: g.members.every((m) => run.discarded.has(m)),
      ...(rep?.editsTests ? { editsTests: rep.editsTests } : {}),
      ...(g.evidence ? { evidence: g.evidence } : {}),
      ...(g.reproPassed ? { reproPassed: g.reproPassed, agreement: g.agreement ?? 0 } : {}),
    };
  });
  return {
    runId: run.runId,
    phase: run.phase,
    progress: { total: run.progress.total, sampled: run.progress.sampled, tested: run.progress.tested, passing: run.progress.passing },
    groups,
    tests,
    // Coverage counts verified candidates, which needs tests.
    coverage: run.testsSkippedReason ? null : run.coverage,
    ...(run.reproTests.length ? { reproTests: reproTestsForPanel(run) } : {}),
    testsSkippedReason: run.testsSkippedReason,
    testNotes: testNotes(run),
    error: run.error,
  };
}

function reproTestsForPanel(run: RunState): PanelReproTest[] {
  return [...run.reproTests]
    .sort((a, b) => Number(b.kept) - Number(a.kept) || a.index - b.index)
    .map((t) => ({
      index: t.index, kept: t.kept, path: t.path, content: t.content, failing: t.failing,
      ...(t.message === undefined ? {} : { message: t.message }),
      ...(t.discard === undefined ? {} : { discard: t.discard }),
      ...(t.reason === undefined ? {} : { reason: t.reason }),
    }));
}
