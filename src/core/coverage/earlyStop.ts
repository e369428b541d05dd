// Stop early once enough candidates are verified: sampling and testing more would only add candidates
// the user does not need. Duplicates of a verified patch count too; each is independent evidence.
import type { Verdict } from '../testing/types';

export interface EarlyStop {
  /** Record a tested candidate's verdict; true once the target has been reached. */
  record(verdict: Verdict): boolean;
  readonly verified: number;
  readonly reached: boolean;
}

/** `target` undefined or 0: never stops. */
export function createEarlyStop(target?: number): EarlyStop {
  let verified = 0;
  const reached = () => target !== undefined && target > 0 && verified >= target;
  return {
    record(verdict) {
      if (verdict === 'verified') verified++;
      return reached();
    },
    get verified() {
      return verified;
    },
    get reached() {
      return reached();
    },
  };
}
