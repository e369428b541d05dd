// A scratch folder for sandbox tests, outside every folder the sandbox replaces with a fresh tmpfs
// (/tmp, /var/tmp, /run, /dev/shm): below one of those, hidden-path checks and masks would pass for
// the wrong reason. Its parents are world-walkable, as a checkout's usually are, so that a root run's
// throw-away uid can reach it. The repository's own test-artifacts/ is used where it qualifies (a
// checkout under /tmp does not, as in a CI clone there); else a folder under /var/cache or the home.
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, sep } from 'node:path';

const replacedBySandbox = ['/tmp', '/var/tmp', '/run', '/dev/shm'];
const repoRoot = join(dirname(__filename), '..', '..');

function qualifies(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    const real = realpathSync(dir);
    if (replacedBySandbox.some((r) => real === r || real.startsWith(r + sep))) return false;
    for (let p = dirname(real); ; p = dirname(p)) {
      if ((statSync(p).mode & 0o001) === 0) return false;
      if (p === dirname(p)) return true;
    }
  } catch {
    return false;
  }
}

let chosen: string | null | undefined;

/** The base folder for sandbox scenes, or null where this machine has none that qualifies. */
export function sandboxScratchBase(): string | null {
  if (chosen !== undefined) return chosen;
  const candidates = [join(repoRoot, 'test-artifacts'), '/var/cache/hydrapatch-tests', join(homedir(), '.cache', 'hydrapatch-tests')];
  chosen = candidates.find(qualifies) ?? null;
  if (chosen) chosen = realpathSync(chosen);
  return chosen;
}

/** Like sandboxScratchBase, but throws with the reason where none qualifies. */
export function requireSandboxScratchBase(): string {
  const base = sandboxScratchBase();
  if (!base) {
    throw new Error(
      'no scratch folder for sandbox tests: the checkout lies below /tmp, /var/tmp, /run or /dev/shm (which the sandbox replaces) ' +
        'and neither /var/cache/hydrapatch-tests nor ~/.cache/hydrapatch-tests can be made with world-walkable parents',
    );
  }
  return base;
}
