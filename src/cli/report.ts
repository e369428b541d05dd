// The final report: how the tests ran and what the baseline showed, a table of the candidates, best
// first, with their test outcome, the coverage line and the time each phase took; the reproduction
// tests (kept beside the best patch, discarded ones with why); and the --json file with every sample
// and a SWE-bench-style predictions entry.
// The words and numbers are the extension's (src/protocol/webview.ts): a "sample" is one answer of
// the model, numbered from 1 in drawing order; a "candidate" is a distinct patch (its samples
// grouped), numbered by its rank. The JSON keeps core's 0-based `index` and adds these numbers.
import type { SolveResult } from '../core/pipeline/types';
import type { ReproTest } from '../core/repro/types';

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

/** A sample's number as the user sees it (core's index is 0-based). */
export function sampleNumber(index: number): number {
  return index + 1;
}

function sampleList(indexes: number[], max = 8): string {
  const shown = indexes.slice(0, max).map(sampleNumber).join(',');
  return indexes.length > max ? `${shown},…` : shown;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Lines about the tests themselves: the command (and why), the baseline, and how verdicts were read. */
function testLines(result: SolveResult): string[] {
  if (result.testsNotRun) return [`tests: not run (${result.testsNotRun.message})`];
  const b = result.baseline;
  const out = [`tests: ${result.testCommand} (sandbox: ${result.sandbox})${result.testCommandReason ? ` · detected: ${result.testCommandReason}` : ''}`];
  const read = result.judgedByExitCodeOnly ? 'judged by exit code only: no per-test result could be read from the output' : `per-test results read from ${b.run.format}`;
  out.push(`baseline: ${b.failing.length} failing of ${b.run.tests.length || '?'}${b.flaky.length ? ` · flaky: ${b.flaky.length}` : ''} · ${read}`);
  const reproKept = result.reproTests?.some((t) => t.kept) ?? false;
  if (b.failing.length === 0 && b.run.durationMs > 0 && !reproKept) out.push('baseline PASSES: the tests pass on the unmodified tree, so no candidate can be verified; add a test that reproduces the issue.');
  return out;
}

export function formatReport(result: SolveResult): string {
  const kept = (result.reproTests ?? []).filter((t) => t.kept);
  const withRepro = result.reproTests !== undefined;
  const rows = [['candidate', 'verdict', 'fixed', 'broken', ...(withRepro ? ['repro', 'evidence'] : []), 'lines', 'samples']];
  for (const g of result.groups) {
    const repro = withRepro ? [`${g.reproPassed?.length ?? 0}/${kept.length}`, g.evidence ?? '-'] : [];
    rows.push([String(g.rank), g.verdict, String(g.fixed.length), String(g.broken.length), ...repro, String(g.changedLines), `${g.members.length}: ${sampleList(g.members)}`]);
  }
  const notApplied = result.candidates.filter((c) => c.verdict === 'not-applied').length;
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => pad(cell, widths[i])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const editsTests = result.candidates.filter((c) => c.editsTests);
  const broken = result.groups.filter((g) => g.verdict === 'breaks').slice(0, 3);
  const t = result.timings;
  const out = [
    ...(result.cancelled ? [`CANCELLED: only the ${result.candidates.length} candidates judged before the cancel are reported.`] : []),
    ...testLines(result),
    '',
    ...(result.groups.length ? lines : ['no candidate applied']),
    ...broken.map((g) => `  candidate ${g.rank} breaks: ${g.broken.slice(0, 3).join(', ')}${g.broken.length > 3 ? `, … (${g.broken.length})` : ''}`),
    ...editsTests.map((c) => `  sample ${sampleNumber(c.index)} edits tests (${c.editsTests!.join(', ')}): those edits were not applied`),
    `${notApplied} of ${result.candidates.length} samples did not apply${result.stoppedEarly ? ' · stopped early' : ''}`,
    result.coverage.line,
    ...(result.samplingFailed ? [`sampling failed: ${result.samplingFailed.message}`] : []),
    `time: context ${seconds(t.contextMs)} · baseline ${seconds(t.baselineMs)} · sampling ${seconds(t.samplingMs)} · verifying ${seconds(t.verifyingMs)} · ranking ${seconds(t.rankingMs)} · total ${seconds(result.durationMs)}`,
  ];
  const best = result.groups[0];
  if (result.prediction && best) out.push('', `best patch (candidate ${best.rank}, samples ${sampleList(best.members, Infinity)}):`, result.prediction.model_patch.trimEnd());
  if (withRepro) out.push('', ...formatReproTests(result.reproTests ?? [], best?.reproPassed ?? []));
  return out.join('\n') + '\n';
}

/** The kept reproduction tests in full (those the best patch passes first), then one line per discarded one. */
function formatReproTests(tests: ReproTest[], passedByBest: number[]): string[] {
  const kept = tests.filter((t) => t.kept).sort((a, b) => Number(passedByBest.includes(b.index)) - Number(passedByBest.includes(a.index)) || a.index - b.index);
  const out = [`reproduction tests: ${kept.length} kept of ${tests.length} drawn`];
  for (const t of kept) {
    out.push(`kept: sample ${sampleNumber(t.index)} → ${t.path} (fails on the unmodified tree: ${t.failing.join(', ')}${t.message ? `; ${t.message}` : ''})${passedByBest.includes(t.index) ? ' · the best patch passes it' : ''}`);
    out.push(t.content.trimEnd());
  }
  for (const t of tests.filter((x) => !x.kept)) out.push(`discarded: sample ${sampleNumber(t.index)}${t.requestedPath ? ` (${t.requestedPath})` : ''}: ${t.discard}: ${t.reason}`);
  return out;
}

export function jsonReport(result: SolveResult): string {
  const rankOf = new Map(result.groups.flatMap((g) => g.members.map((i) => [i, g.rank] as const)));
  const numbered = {
    ...result,
    groups: result.groups.map((g) => ({ candidate: g.rank, samples: g.members.map(sampleNumber), ...g })),
    candidates: result.candidates.map((c) => ({ sample: sampleNumber(c.index), ...(rankOf.has(c.index) ? { candidate: rankOf.get(c.index) } : {}), ...c })),
  };
  return JSON.stringify({ ...numbered, predictions: result.prediction ? [result.prediction] : [] }, null, 2) + '\n';
}
