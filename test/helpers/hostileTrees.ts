// What a hostile (or careless) test leaves in its worktree, made for real: a folder chain nested past
// PATH_MAX, read-only folders with files inside, names no text encoding reads, a FIFO.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `dir/deep/…` nested past PATH_MAX: 40 folders of 200-character names (8,000 characters of path, as
 * a test doing `mkdir d && cd d` 4,000 times makes), built in steps whose paths stay short: each step
 * nests the chain made so far deeper by rename. Its innermost folder holds a file and is read-only.
 */
export function plantDeepTree(dir: string, depth = 40): void {
  const step = Array<string>(10).fill('d'.repeat(200));
  const top = join(dir, 'deep');
  const next = join(dir, 'deep-next');
  mkdirSync(join(top, ...step), { recursive: true });
  writeFileSync(join(top, ...step, 'bottom.txt'), 'x');
  chmodSync(join(top, ...step), 0o555);
  for (let made = step.length; made < depth; made += step.length) {
    mkdirSync(join(next, ...step.slice(1)), { recursive: true });
    renameSync(top, join(next, ...step));
    renameSync(next, top);
  }
}

/** Read-only folders (with a file inside), names of raw bytes, a name like an option, a FIFO. */
export function plantAwkwardEntries(dir: string): void {
  const ro = join(dir, 'readonly', 'inner');
  mkdirSync(ro, { recursive: true });
  writeFileSync(join(ro, 'file.txt'), 'x');
  chmodSync(ro, 0o555);
  chmodSync(join(dir, 'readonly'), 0o555);
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff, 0x0a, 0x41, 0xfe])]), 'x');
  writeFileSync(join(dir, '-rf'), 'x');
  if (!existsSync(join(dir, 'fifo'))) execFileSync('mkfifo', [join(dir, 'fifo')]);
}
