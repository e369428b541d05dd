// Coverage as a function of the number of samples follows c(k) ≈ exp(a·k^b) with a < 0, b < 0 (Brown
// et al. 2024, "Large Language Monkeys"): log c = a·k^b, so log(−log c) = log(−a) + b·log k is a line
// in log k, fitted by least squares over the points with 0 < c < 1. The fit then forecasts what more
// samples would bring.
import type { PassAtK } from './types';

export interface CoverageFit {
  a: number;
  b: number;
}

/** Least-squares fit, or undefined when fewer than two points lie strictly between 0 and 1. */
export function fitCoverage(points: PassAtK[]): CoverageFit | undefined {
  const usable = points.filter((pt) => pt.k > 0 && pt.p > 0 && pt.p < 1);
  const xs = usable.map((pt) => Math.log(pt.k));
  const ys = usable.map((pt) => Math.log(-Math.log(pt.p)));
  if (new Set(xs).size < 2) return undefined;
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxy / sxx;
  const a = -Math.exp(my - b * mx);
  return { a, b };
}

/** Predicted coverage at each k. */
export function forecastCoverage(fit: CoverageFit, ks: number[]): PassAtK[] {
  return ks.map((k) => ({ k, p: Math.exp(fit.a * k ** fit.b) }));
}
