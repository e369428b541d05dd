// What the CLI shows while it works: one redrawn progress bar on a terminal, plain lines otherwise
// (CI logs), both on stderr so that stdout keeps only the final report.
import type { SolveEvents, SolveProgress } from '../core/pipeline/types';
import { formatError } from '../protocol/errors';
import { sampleNumber } from './report';

export function progressView(stream: NodeJS.WriteStream): SolveEvents & { finish(): void } {
  const tty = stream.isTTY === true;
  let lastLine = '';
  let barShown = false;
  const bar = (p: SolveProgress) => {
    const width = 30;
    const done = p.total > 0 ? Math.min(1, (p.finished ?? p.tested) / p.total) : 0;
    const filled = Math.round(done * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] sampled ${p.sampled}/${p.total} · applied ${p.applied} · tested ${p.tested} · verified ${p.passing}`;
  };
  const line = (text: string) => {
    if (tty && barShown) stream.write('\r\x1b[2K');
    stream.write(`${text}\n`);
    barShown = false;
  };
  return {
    onPhase: (phase, detail) => line(`${phase}${detail ? `: ${detail}` : ''}`),
    onBaseline: (b) => line(`baseline: ${b.failing.length} failing${b.flaky.length ? `, ${b.flaky.length} flaky` : ''} (${b.run.format === 'exit-code' ? 'judged by exit code only' : b.run.format}, ${b.run.durationMs} ms, sandbox ${b.run.sandbox})`),
    onWarning: (w) => line(`warning: ${formatError(w)}`),
    onCandidate: (c) => {
      if (!tty) line(`sample ${sampleNumber(c.index)}: ${c.apply.status}${c.verdict !== 'not-applied' ? ` → ${c.verdict}` : ''}${c.editsTests ? ' (edits tests)' : ''}${c.apply.reason && c.verdict === 'not-applied' ? ` (${c.apply.reason})` : ''}`);
    },
    onProgress: (p) => {
      if (!tty) return;
      const text = bar(p);
      if (text === lastLine) return;
      lastLine = text;
      stream.write(`\r\x1b[2K${text}`);
      barShown = true;
    },
    finish: () => {
      if (tty && barShown) stream.write('\n');
      barShown = false;
    },
  };
}
