// Ending a test run for good: its process group gets the signal (children forked by the test
// command share it), and on Linux so does every process that carries the run's tag in its
// environment, which also catches children that left the group with setsid.
import { readFileSync, readdirSync } from 'node:fs';

export const runTagVariable = 'HYDRAPATCH_RUN_TAG';

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** Pids of live processes whose environment holds `HYDRAPATCH_RUN_TAG=<tag>` (Linux; [] elsewhere). */
export function taggedProcesses(tag: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = `${runTagVariable}=${tag}\0`;
  const out: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle)) out.push(Number(name));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

export function killTagged(tag: string): number {
  const pids = taggedProcesses(tag);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return pids.length;
}

/** Kills the test runs a dead run recorded in `dir` (runCommand's recordDir); returns how many processes. */
export function killRecordedRuns(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let killed = 0;
  for (const name of names) {
    const tag = /^tests-([0-9a-f]+)\.tag$/.exec(name)?.[1];
    if (tag) killed += killTagged(tag);
  }
  return killed;
}
