// The coverage block of a solve result and its one-line form for terminals and status bars.
import type { CoverageSummary } from './types';
import type { Evidence } from '../repro/types';
import { fitCoverage, forecastCoverage } from './fitCoverage';
import { passAtKCurve } from './passAtK';

const basisWords: Record<Evidence, string> = {
  'failing-tests': 'by failing tests',
  'reproduction-tests': 'by reproduction tests',
  both: 'by failing and reproduction tests',
};

/**
 * n candidates tested, c verified. The fit uses the curve's points below 1; the forecast is at 2n, 4n, 8n.
 * `basis` labels what verified rested on when reproduction tests took part.
 */
export function summarizeCoverage(n: number, c: number, basis?: Evidence): CoverageSummary {
  const summary = summarizeVerified(n, c);
  if (!basis) return summary;
  return { ...summary, basis, line: summary.line.replace(' verified ', ` verified ${basisWords[basis]} `) };
}

function summarizeVerified(n: number, c: number): CoverageSummary {
  if (n === 0) return { n, c, curve: [], line: 'coverage: no candidates tested' };
  const curve = passAtKCurve(n, c);
  const fit = fitCoverage(curve);
  const forecast = fit ? forecastCoverage(fit, [2 * n, 4 * n, 8 * n]) : undefined;
  const pct = (p: number) => `${p === 0 || p === 1 ? 100 * p : (100 * p).toFixed(1)}%`;
  const shown = curve.filter((pt, i) => pt.k === 1 || i === curve.length - 1 || pt.k === 8);
  let line = `coverage: ${c}/${n} verified · ` + shown.map((pt) => `pass@${pt.k} ${pct(pt.p)}`).join(' · ');
  // For one problem with any verified candidate the observed curve already ends at 1; the forecast
  // says something only when it goes beyond what was observed (e.g. means over several problems).
  const observed = curve[curve.length - 1].p;
  if (forecast && forecast[0].p > observed) line += ` · forecast pass@${forecast[0].k} ${pct(forecast[0].p)}`;
  return fit ? { n, c, curve, fit, forecast, line } : { n, c, curve, line };
}
