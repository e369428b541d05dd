// How likely more samples help: pass@k over the tested candidates, its fit and forecast.
import type { Evidence } from '../repro/types';

export interface PassAtK {
  k: number;
  p: number;
}

export interface CoverageSummary {
  /** Candidates tested. */
  n: number;
  /** Verified among them. */
  c: number;
  curve: PassAtK[];
  /** Fit of c(k) ≈ exp(a·k^b), when enough points. */
  fit?: { a: number; b: number };
  /** Forecast pass@k for larger k from the fit. */
  forecast?: PassAtK[];
  /** What "verified" rested on for the counted candidates, when reproduction tests took part. */
  basis?: Evidence;
  /** One line for terminals and status bars. */
  line: string;
}
