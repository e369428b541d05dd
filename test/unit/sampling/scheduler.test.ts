// The scheduler's waves and the KV pages under them, without a model: random jobs whose sequences
// finish at random, run as the engine runs them (admit, wave, one token each), checked after every
// wave against a slot map of the pool (no two holders share a slot, the accounting is exact), the batch
// limit, the set-back rule (the newest sequences leave, nothing is admitted until one finishes) and
// that every sample is delivered exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import { newJob, type Job, type Sequence } from '../../../server/src/sampling/job';
import { KvPages, SUFFIX_PAGE } from '../../../server/src/sampling/kvPages';
import { KvSlots } from '../../../server/src/sampling/kvPool';
import type { PromptLayout } from '../../../server/src/sampling/promptLayout';
import { Scheduler } from '../../../server/src/sampling/scheduler';
import { Prng } from '../../../scripts/testModels/prng';

const CONTEXT = 4096;

/** A root of `root` tokens with leaves of `leaves[i]` tokens and `n` samples each. */
function layout(root: number, leaves: number[], n: number): PromptLayout {
  const nodes = [{ tokens: new Array<number>(root).fill(1), parent: -1, position: 0 }];
  let sample = 0;
  const out: PromptLayout = { nodes, leaves: [], samples: 0, promptTokens: root };
  for (const length of leaves) {
    nodes.push({ tokens: new Array<number>(length).fill(2), parent: 0, position: root });
    out.leaves.push({ node: nodes.length - 1, samples: Array.from({ length: n }, () => sample++) });
    out.promptTokens += length;
  }
  out.samples = sample;
  return out;
}

/** Every slot's holder, from the jobs' nodes and their sequences' pages; fails on a slot held twice. */
function slotMap(jobs: Job[], pages: KvPages): number {
  const holder = new Array<string | undefined>(pages.capacity);
  let held = 0;
  const take = (start: number, length: number, who: string) => {
    for (let s = start; s < start + length; s++) {
      assert.equal(holder[s], undefined, `slot ${s} held by ${holder[s]} and ${who}`);
      holder[s] = who;
      held++;
    }
  };
  for (const job of jobs) {
    let slots = 0;
    job.layout.nodes.forEach((n, i) => {
      take(job.nodeStart[i], n.tokens.length, `job ${job.id} node ${i}`);
      slots += n.tokens.length;
    });
    for (const seq of job.active) {
      for (const [start, length] of seq.pages) {
        take(start, length, `job ${job.id} sample ${seq.sample}`);
        slots += length;
      }
    }
    assert.equal(job.kvSlots, slots, `job ${job.id} counts ${job.kvSlots} slots, holds ${slots}`);
  }
  return held;
}

for (const seed of [1, 2, 3, 4]) {
  test(`waves keep the batch limit and the pool exact; set-back takes the newest; every sample once (seed ${seed})`, () => {
    const rng = new Prng(seed);
    const capacity = 350 + rng.int(150);
    const maxBatch = 8 + rng.int(8);
    const pages = new KvPages(new KvSlots(capacity));
    const scheduler = new Scheduler(pages, maxBatch, CONTEXT);
    const delivered = new Map<Job, number[]>();
    const jobs: Job[] = [];
    for (let j = 0; j < 3; j++) {
      const maxTokens = 80 + rng.int(120);
      const job = newJob(j + 1, layout(20 + rng.int(60), [5, 9], 3 + rng.int(10)), { ...defaultSampleParams, maxTokens }, { onSample: () => {} }, new AbortController().signal, {
        resolve: () => {},
        reject: () => {},
      });
      pages.placePrompt(job);
      scheduler.add(job);
      jobs.push(job);
      delivered.set(job, []);
    }
    let pressure = false;
    let setBacks = 0;
    const finish = (seq: Sequence) => {
      scheduler.finish(seq);
      pressure = false;
      delivered.get(seq.job)!.push(seq.sample);
    };
    /** One generated token; the sequence finishes at max_tokens or, now and then, earlier (an EOS). */
    const generate = (seq: Sequence) => {
      seq.tokens.push(7);
      seq.job.generated++;
      if (seq.tokens.length >= seq.job.params.maxTokens || rng.next() < 0.02) finish(seq);
    };
    for (let step = 0; scheduler.jobs.some((j) => j.pending.length + j.active.length > 0); step++) {
      assert.ok(step < 100_000, 'the jobs never finish');
      const before = scheduler.jobs.flatMap((j) => j.active).length;
      for (const job of scheduler.jobs) scheduler.admit(job, generate);
      const order = scheduler.jobs.flatMap((j) => j.active);
      if (pressure) assert.ok(order.length <= before, 'a sequence was admitted while the pool was short and none had finished');
      assert.ok(order.length <= maxBatch, `${order.length} sequences running, the batch limit is ${maxBatch}`);
      const rows = scheduler.wave();
      assert.deepEqual(rows, order.slice(0, rows.length), 'the sequences set back are the newest');
      if (rows.length < order.length) {
        setBacks++;
        pressure = true;
        for (const seq of order.slice(rows.length)) assert.equal(seq.pages.length, 0, 'a set-back sequence still holds KV');
      }
      assert.equal(slotMap(scheduler.jobs, pages), pages.inUse);
      for (const seq of rows) {
        const held = seq.pages.reduce((a, [, l]) => a + l, 0);
        assert.ok(held >= seq.tokens.length, `sample ${seq.sample} feeds token ${seq.tokens.length} with ${held} slots`);
        assert.ok(seq.pages.slice(0, -1).every(([, l]) => l === SUFFIX_PAGE), 'a page before the last is not full');
      }
      for (const seq of rows) generate(seq);
    }
    for (const job of jobs) {
      assert.deepEqual([...delivered.get(job)!].sort((a, b) => a - b), job.layout.leaves.flatMap((l) => l.samples), `job ${job.id}`);
      assert.ok(scheduler.remove(job));
    }
    assert.equal(pages.inUse, 0, 'KV left behind after every job was removed');
    assert.ok(setBacks > 0, 'the pool never ran short: the set-back rule went untested');
  });
}
