// The final report: a table of the groups, best first, with their test outcome, and the coverage
// line; and the --json file with every candidate and a SWE-bench-style predictions entry.
import type { SolveResult } from '../core/pipeline/types';

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

export function formatReport(result: SolveResult): string {
  const rows = [['rank', 'verdict', 'samples', 'fixed', 'broken', 'lines', 'members']];
  for (const g of result.groups) {
    const members = g.members.length > 8 ? `${g.members.slice(0, 8).join(',')},…` : g.members.join(',');
    rows.push([String(g.rank), g.verdict, String(g.members.length), String(g.fixed.length), String(g.broken.length), String(g.changedLines), members]);
  }
  const notApplied = result.candidates.filter((c) => c.verdict === 'not-applied').length;
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => pad(cell, widths[i])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const out = [
    `tests: ${result.testCommand} (sandbox: ${result.sandbox}) · baseline failing: ${result.baseline.failing.length}${result.baseline.flaky.length ? ` · flaky: ${result.baseline.flaky.length}` : ''}`,
    '',
    ...(result.groups.length ? lines : ['no candidate applied']),
    `${notApplied} of ${result.candidates.length} samples did not apply${result.stoppedEarly ? ' · stopped early' : ''}`,
    result.coverage.line,
    ...(result.samplingFailed ? [`sampling failed: ${result.samplingFailed.message}`] : []),
  ];
  const best = result.groups[0];
  if (result.prediction && best) out.push('', `best patch (group ${best.id}, samples ${best.members.join(',')}):`, result.prediction.model_patch.trimEnd());
  return out.join('\n') + '\n';
}

export function jsonReport(result: SolveResult): string {
  return JSON.stringify({ ...result, predictions: result.prediction ? [result.prediction] : [] }, null, 2) + '\n';
}
