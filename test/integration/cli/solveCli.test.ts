import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, repoFromFixture } from '../../helpers/gitRepo';
import { jsSamples } from '../pipeline/fixtureSamples';
import { runsBase } from '../../../src/core/worktree/runDir';

// The sources, not bin/hydrapatch.js: that runs dist/cli.js when a build exists, which may be stale.
const cliMain = join(__dirname, '../../../src/cli/main.ts');

function cli(args: string[], input?: string) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, ['--import', 'tsx', cliMain, ...args], { encoding: 'utf8', input, env, timeout: 120_000 });
}

function json0(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

test('hydrapatch solve --from-samples: table, coverage line, --json with every candidate and a prediction, exit 0', () => {
  const repo = repoFromFixture('jsStats');
  const dir = mkdtempSync(join(tmpdir(), 'hp-cli-'));
  try {
    const samples = join(dir, 'samples.jsonl');
    writeFileSync(samples, jsSamples.map((s) => JSON.stringify({ text: s.text, model: 'elsewhere' })).join('\n') + '\n');
    const out = join(dir, 'out.json');
    const r = cli(['solve', '--repo', repo.dir, '--issue', '-', '--from-samples', samples, '--test', 'node --test --test-reporter=tap', '--json', out, '--parallel', '2', '--sandbox', 'auto', '--yes-run-unsandboxed', '--instance-id', 'stats__mean-1', '--keep', '1'], 'mean([1, 2, 3]) is 1.67, not 2');
    assert.equal(r.status, 0, r.stderr);
    // The extension's words and numbers: candidates by rank, samples from 1.
    assert.match(r.stdout, /^candidate\s+verdict\s+fixed\s+broken\s+lines\s+samples$/m);
    const best = json0(out);
    assert.match(r.stdout, new RegExp(`^1\\s+verified\\s.*\\s4: ${best.groups[0].members.map((i: number) => i + 1).join(',')}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^best patch \\(candidate 1, samples ${best.groups[0].samples.join(',')}\\):$`, 'm'));
    assert.match(r.stdout, /coverage: 5\/10 verified · pass@1 50\.0%/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.candidates.length, jsSamples.length);
    for (const [i, s] of jsSamples.entries()) {
      assert.equal(json.candidates[i].apply.status, s.apply);
      assert.equal(json.candidates[i].verdict, s.verdict);
      assert.equal(json.candidates[i].sample, i + 1);
      if (s.verdict !== 'not-applied') assert.equal(json.candidates[i].candidate, json.groups.find((g: { members: number[] }) => g.members.includes(i)).rank);
    }
    // --keep 1: the best group's representative stays in a worktree of its own, patched.
    const kept = /^kept: sample (\d+) in (\S+)$/m.exec(r.stdout);
    assert.ok(kept, r.stdout);
    assert.equal(Number(kept[1]), json.groups[0].representative + 1);
    assert.match(readFileSync(join(kept[2], 'lib/stats.js'), 'utf8'), /for \(let i = 0; i < xs.length; i\+\+\)/);
    assert.ok(git(repo.dir, 'worktree', 'list', '--porcelain').includes(`worktree ${kept[2]}\n`));
    git(repo.dir, 'worktree', 'remove', '--force', kept[2]);
    rmSync(runsBase(repo.dir), { recursive: true, force: true });
    assert.deepEqual(json.predictions, [{ instance_id: 'stats__mean-1', model_name_or_path: `samples from ${samples}`, model_patch: json.groups[0].diff }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    repo.cleanup();
  }
});

test('no verified patch: exit 1; bad arguments: exit 2 with a message and a hint', () => {
  const repo = repoFromFixture('jsStats');
  const dir = mkdtempSync(join(tmpdir(), 'hp-cli-'));
  try {
    const samples = join(dir, 'prose.jsonl');
    writeFileSync(samples, JSON.stringify({ text: 'I would look at the loop.' }) + '\n');
    const issue = join(dir, 'issue.txt');
    writeFileSync(issue, 'mean is wrong');
    const none = cli(['solve', '--repo', repo.dir, '--issue', issue, '--from-samples', samples, '--test', 'node --test', '--sandbox', 'off', '--yes-run-unsandboxed']);
    assert.equal(none.status, 1, none.stderr);
    assert.match(none.stdout, /no candidate applied/);

    const noSource = cli(['solve', '--repo', repo.dir, '--issue', issue, '-n', '4']);
    assert.equal(noSource.status, 2);
    assert.match(noSource.stderr, /exactly one of --model PATH, --endpoint URL or --from-samples FILE[\s\S]*hint: usage/);
    const badN = cli(['solve', '--issue', issue, '--endpoint', 'http://127.0.0.1:9/v1', '--model-name', 'm', '-n', 'many']);
    assert.equal(badN.status, 2);
    assert.match(badN.stderr, /-n must be a whole number of at least 1, got "many"/);
    const notRepo = cli(['solve', '--repo', dir, '--issue', issue, '--from-samples', samples]);
    assert.equal(notRepo.status, 2);
    assert.match(notRepo.stderr, /is not inside a git repository[\s\S]*hint:/);
    const badSamples = join(dir, 'bad.jsonl');
    writeFileSync(badSamples, '{"text": "ok"}\n{"txt": 1}\n');
    const bad = cli(['solve', '--repo', repo.dir, '--issue', issue, '--from-samples', badSamples]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bad\.jsonl:2 has no string field "text"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    repo.cleanup();
  }
});
