import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../../../helpers/gitRepo';
import { resolveLinkPaths } from '../../../../src/core/worktree/linkPaths';

test('links: present defaults plus .worktreeinclude entries; missing, escaping and .git entries are dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-links-'));
  try {
    writeFiles(dir, {
      'node_modules/a/index.js': '',
      'build/cache/x': '',
      'packages/web/node_modules/b/index.js': '',
      '.worktreeinclude': '# shared build cache\nbuild/cache/\npackages/web/node_modules\n../outside\n/etc\n.git/hooks\nnot-there\nnode_modules\n',
    });
    assert.deepEqual(await resolveLinkPaths(dir), ['node_modules', 'build/cache', 'packages/web/node_modules']);
    // Without defaults, .worktreeinclude alone decides (it lists node_modules too).
    assert.deepEqual(await resolveLinkPaths(dir, []), ['build/cache', 'packages/web/node_modules', 'node_modules']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
