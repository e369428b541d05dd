// The unbiased pass@k estimator (Chen et al. 2021): of n samples c are correct; the chance that k
// drawn without replacement hold at least one correct is 1 − C(n−c, k)/C(n, k). The ratio of binomials
// is computed as the product ∏_{i=n−c+1}^{n} (1 − k/i), which never forms a large number.
import { HydrapatchError } from '../../protocol/errors';
import type { PassAtK } from './types';

export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1 || k > n) {
    throw new HydrapatchError('bad_input', `pass@k needs integers 0 ≤ c ≤ n and 1 ≤ k ≤ n (got n=${n}, c=${c}, k=${k})`, 'k cannot exceed the number of samples drawn');
  }
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** The k values worth showing for n samples: powers of two up to n, and n itself. */
export function defaultKs(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k < n; k *= 2) ks.push(k);
  if (n >= 1) ks.push(n);
  return ks;
}

/** pass@k at each k, for one problem. */
export function passAtKCurve(n: number, c: number, ks: number[] = defaultKs(n)): PassAtK[] {
  return ks.map((k) => ({ k, p: passAtK(n, c, k) }));
}
