// The pins and exclusions a user sets in the panel for the next run: only paths the run's context
// listed are taken (the panel is less trusted), pin and exclude undo each other, and the panel is told
// whether the next run would differ from this one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContextChoice } from '../../../src/extension/contextChoice';
import type { ContextSummary } from '../../../src/core/pipeline/types';

const context: ContextSummary = {
  files: [{ path: 'src/math.js', reasons: ['named in the issue'] }, { path: 'README.md', reasons: ['bm25 0.40'] }],
  leftOut: ['src/util.js'],
  tokens: 300,
  budgetTokens: 4096,
  excluded: ['docs/old.md'],
  dropped: [{ path: 'src/gone.js', reason: 'it is no longer in the repository' }],
};

test('pin and exclude act on listed paths only, undo each other, and say when the next run differs', () => {
  const choice = new ContextChoice({ pinned: ['src/gone.js'], excluded: ['docs/old.md'] });
  assert.equal(choice.forPanel(context).next.changed, false, 'the draft starts as the run was asked');
  assert.equal(choice.fromPanel('pin', '/etc/passwd', context), false);
  assert.equal(choice.fromPanel('exclude', 'src/other.js', context), false);
  assert.equal(choice.fromPanel('exclude', 'README.md', undefined), false, 'no context yet: nothing to steer');

  assert.equal(choice.fromPanel('exclude', 'README.md', context), true);
  assert.equal(choice.fromPanel('exclude', 'README.md', context), false, 'twice is once');
  assert.equal(choice.fromPanel('pin', 'src/util.js', context), true);
  assert.equal(choice.fromPanel('unpin', 'src/gone.js', context), true);
  assert.equal(choice.fromPanel('include', 'docs/old.md', context), true);
  assert.deepEqual(choice.next, { pinned: ['src/util.js'], excluded: ['README.md'] });
  const panel = choice.forPanel(context);
  assert.equal(panel.next.changed, true);
  assert.equal(panel.files, context.files);

  // Pinning an excluded file takes it out of the exclusions, and the other way round.
  assert.equal(choice.fromPanel('pin', 'README.md', context), true);
  assert.deepEqual(choice.next, { pinned: ['src/util.js', 'README.md'], excluded: [] });
  assert.equal(choice.fromPanel('exclude', 'src/util.js', context), true);
  assert.deepEqual(choice.next, { pinned: ['README.md'], excluded: ['src/util.js'] });

  // A file picked in the editor's own file list ("Pin Another File…") need not be listed.
  assert.equal(choice.set('pin', 'src/unranked.js'), true);
  assert.deepEqual(choice.next.pinned, ['README.md', 'src/unranked.js']);
});
