// Reading a GitHub issue through the user's own `gh`: a gh on PATH that answers like the real one
// (its `issue view URL --json title,body` output) and records its arguments, and no gh at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGithubIssueUrl, readGithubIssue } from '../../../src/extension/githubIssue';

test('isGithubIssueUrl accepts issue URLs only', () => {
  assert.ok(isGithubIssueUrl('https://github.com/owner/repo/issues/12'));
  assert.ok(isGithubIssueUrl(' https://github.com/o.w/r-e_po/issues/3#issuecomment-1 '));
  assert.ok(!isGithubIssueUrl('https://github.com/owner/repo/pull/12'));
  assert.ok(!isGithubIssueUrl('add() subtracts; see https://github.com/owner/repo/issues/12'));
});

test('readGithubIssue runs the user\'s gh with the clean URL; says what to do when gh is missing or fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-gh-'));
  try {
    const gh = join(dir, 'gh');
    writeFileSync(gh, `#!/bin/sh\necho "$@" > '${dir}/args'\ncase "$3" in *issues/404) echo "GraphQL: Could not resolve to an issue" >&2; exit 1;; esac\necho '{"title":"add() subtracts","body":"add(2, 3) gives -1."}'\n`);
    chmodSync(gh, 0o755);
    const env = { ...process.env, PATH: `${dir}:/usr/bin:/bin` };
    assert.equal(await readGithubIssue('https://github.com/o/r/issues/7#top', env), '# add() subtracts\n\nadd(2, 3) gives -1.');
    assert.equal(readFileSync(join(dir, 'args'), 'utf8').trim(), 'issue view https://github.com/o/r/issues/7 --json title,body');
    await assert.rejects(readGithubIssue('https://github.com/o/r/issues/404', env), (e: Error & { code?: string }) => e.code === 'gh_failed' && /Could not resolve/.test(e.message));
    rmSync(gh);
    await assert.rejects(readGithubIssue('https://github.com/o/r/issues/7', { ...env, PATH: dir }), (e: Error & { code?: string; hint?: string }) => e.code === 'no_gh' && /gh auth login/.test(e.hint ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
