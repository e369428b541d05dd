// The unified diff of what a candidate changed, git-style (diff --git, a/ b/ prefixes, /dev/null for
// created and deleted files), so it can be shown, stored, and applied with `git apply`.
import { structuredPatch } from 'diff';
import type { FileChange } from './editTypes';

export function formatDiff(changes: FileChange[], context = 3): string {
  let out = '';
  for (const c of changes) {
    if (c.before === c.after) continue;
    const patch = structuredPatch(`a/${c.path}`, `b/${c.path}`, c.before ?? '', c.after ?? '', undefined, undefined, { context });
    out += `diff --git a/${c.path} b/${c.path}\n`;
    if (c.before === null) out += 'new file mode 100644\n';
    if (c.after === null) out += 'deleted file mode 100644\n';
    out += `--- ${c.before === null ? '/dev/null' : `a/${c.path}`}\n`;
    out += `+++ ${c.after === null ? '/dev/null' : `b/${c.path}`}\n`;
    for (const h of patch.hunks) {
      out += `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n`;
      for (const line of h.lines) out += line.endsWith('\n') ? line : line + '\n';
    }
  }
  return out;
}

function range(start: number, count: number): string {
  // git numbers an empty side by the line *before* it ("-0,0" for a new file); jsdiff by the line after.
  if (count === 0) return `${Math.max(0, start - 1)},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
