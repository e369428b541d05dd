// RunState → what the review panel shows (src/protocol/webview.ts). No `vscode` here.
import type { CandidateResult } from '../core/pipeline/types';
import type { PanelEvidence, PanelGroup, PanelReproTest, PanelState, TestCell } from '../protocol/webview';
import { explanation } from './explanation';
import { issueTitle } from './storedRun';
import type { RunState } from './runState';
import { phaseWords } from '../protocol/webview';

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
  if (b.run.format === 'exit-code') notes.push('Judged by exit code only: no per-test result could be read from the test output.');
  return notes;
}

function evidence(run: RunState, c: CandidateResult | undefined): PanelEvidence {
  const text = c ? run.samples.get(c.index) : undefined;
  const failingNow = new Set((c?.test?.tests ?? []).filter((t) => t.status === 'fail').map((t) => t.name));
  const t = c?.test;
  return {
    explanation: text === undefined ? '' : explanation(text),
    fixed: c?.fixed ?? [],
    broken: c?.broken ?? [],
    stillFailing: (run.baseline?.failing ?? []).filter((name) => failingNow.has(name)),
    ...(t ? { test: { command: t.command, exitCode: t.exitCode, timedOut: t.timedOut, outputCapped: t.outputCapped, durationMs: t.durationMs, outputTail: t.outputTail } } : {}),
  };
}

/** Samples without a usable edit, grouped by their reason (1-based sample numbers). */
function notApplied(run: RunState): PanelState['notApplied'] {
  const byReason = new Map<string, number[]>();
  for (const c of [...run.candidates.values()].sort((a, b) => a.index - b.index)) {
    if (c.verdict !== 'not-applied') continue;
    const reason = c.apply.reason ?? (c.apply.status === 'no-edits' ? 'the sample holds no edit' : 'the edit did not apply');
    byReason.set(reason, [...(byReason.get(reason) ?? []), c.index + 1]);
  }
  return [...byReason].map(([reason, samples]) => ({ reason, samples })).sort((a, b) => b.samples.length - a.samples.length);
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
      files: rep?.apply.files ?? [],
      tests: cells(rep, tests, flaky),
      sandbox: rep?.test?.sandbox ?? '',
      applied: run.applied.has(g.representative),
      discarded: run.isDiscarded(g),
      ...(rep?.editsTests ? { editsTests: rep.editsTests } : {}),
      ...(g.evidence ? { verifiedBy: g.evidence } : {}),
      ...(g.reproPassed ? { reproPassed: g.reproPassed, agreement: g.agreement ?? 0 } : {}),
      evidence: evidence(run, rep),
    };
  });
  return {
    runId: run.runId,
    phase: run.phase,
    phaseText: phaseWords[run.phase] ?? run.phase,
    running: !run.finished,
    progress: { total: run.progress.total, sampled: run.progress.sampled, tested: run.progress.tested, passing: run.progress.passing },
    groups,
    tests,
    // Coverage counts verified candidates, which needs tests.
    coverage: run.testsSkippedReason ? null : run.coverage,
    ...(run.reproTests.length ? { reproTests: reproTestsForPanel(run) } : {}),
    testsSkippedReason: run.testsSkippedReason,
    testNotes: testNotes(run),
    error: run.error,
    ...(run.testCommand ? { testCommand: run.testCommand } : {}),
    ...(run.baseline && !run.testsSkippedReason
      ? { baseline: { failing: run.baseline.failing, flaky: run.baseline.flaky, passes: run.baseline.failing.length === 0 && !run.reproTests.some((t) => t.kept), outputTail: run.baseline.run.outputTail } }
      : {}),
    ...(run.context ? { context: run.contextChoice.forPanel(run.context) } : {}),
    notApplied: notApplied(run),
    ...(run.moreCount && !run.stored ? { drawMore: run.moreCount } : {}),
    ...(run.stored ? { history: { savedAt: run.stored.savedAt, title: issueTitle(run.issueText) } } : {}),
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
