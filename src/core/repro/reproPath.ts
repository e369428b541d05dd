// Where a reproduction test goes: in the folder the model chose (so its relative imports resolve as
// written), under a name that keeps the runner's discovery pattern (test_*.py, *.test.js, test-*.js,
// *_test.go, …) and that no user file has: "hydrapatch_repro<index>_" after a leading test_/test- prefix.
import { posix } from 'node:path';

export const reproMarker = 'hydrapatch_repro';

export function reproPath(requestedPath: string, index: number): string {
  const dir = posix.dirname(requestedPath);
  const base = posix.basename(requestedPath);
  const tag = `${reproMarker}${index}_`;
  const prefix = /^test[_-]/i.exec(base)?.[0] ?? '';
  const name = prefix + tag + base.slice(prefix.length);
  return dir === '.' ? name : `${dir}/${name}`;
}
