// The coverage curve drawn as inline SVG: measured pass@k as dots over k (log scale), the fit
// c(k) ≈ exp(a·k^b) as a line, and its forecast beyond the samples drawn as a dashed line.
import type { PanelCoverage } from '../src/protocol/webview';
import { s } from './dom';

const W = 420;
const H = 200;
const PAD = { left: 40, right: 12, top: 12, bottom: 30 };

export function coveragePlot(cov: PanelCoverage): SVGElement {
  const ks = [...cov.curve.map((p) => p.k), ...(cov.forecast ?? []).map((p) => p.k)];
  const kMax = Math.max(2, ...ks);
  const x = (k: number) => PAD.left + (Math.log2(k) / Math.log2(kMax)) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'coverage-plot', role: 'img', 'aria-label': `Chance that k samples include a verified fix, for k from 1 to ${kMax}` });

  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(p), y2: y(p), class: 'grid' }));
    svg.append(s('text', { x: PAD.left - 6, y: y(p) + 4, 'text-anchor': 'end', class: 'tick' }, `${Math.round(p * 100)}%`));
  }
  for (let k = 1; k <= kMax; k *= 2) {
    svg.append(s('text', { x: x(k), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, String(k)));
  }
  svg.append(s('text', { x: (W + PAD.left) / 2, y: H - 2, 'text-anchor': 'middle', class: 'axis-label' }, 'samples k'));

  if (cov.fit) {
    const { a, b } = cov.fit;
    const fitAt = (k: number) => Math.min(1, Math.max(0, Math.exp(a * Math.pow(k, b))));
    const kDrawn = Math.max(1, ...cov.curve.map((p) => p.k));
    const path = (from: number, to: number) => {
      const pts: string[] = [];
      for (let i = 0; i <= 48; i++) {
        const k = from * Math.pow(to / from, i / 48);
        pts.push(`${i === 0 ? 'M' : 'L'}${x(k).toFixed(1)},${y(fitAt(k)).toFixed(1)}`);
      }
      return pts.join(' ');
    };
    svg.append(s('path', { d: path(1, kDrawn), class: 'fit' }));
    if (kMax > kDrawn) svg.append(s('path', { d: path(kDrawn, kMax), class: 'fit forecast' }));
  }
  for (const p of cov.curve) {
    svg.append(s('circle', { cx: x(p.k), cy: y(p.p), r: 3, class: 'point' }, s('title', {}, `${p.k} sample${p.k === 1 ? '' : 's'}: ${(p.p * 100).toFixed(1)}% chance of a verified fix`)));
  }
  return svg;
}
