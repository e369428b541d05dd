import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseData } from '../../../../src/core/backends/sseLines';

async function collect(chunks: string[]): Promise<string[]> {
  async function* gen() {
    for (const c of chunks) yield Buffer.from(c);
  }
  const out: string[] = [];
  for await (const d of sseData(gen())) out.push(d);
  return out;
}

test('events split anywhere across chunks, including inside CRLF and multi-byte characters', async () => {
  const stream = 'data: {"a":1}\r\n\r\n: a comment\n\nevent: x\ndata: line one\ndata: line two\n\ndata: é€\n\ndata: [DONE]\n\n';
  const whole = await collect([stream]);
  assert.deepEqual(whole, ['{"a":1}', 'line one\nline two', 'é€', '[DONE]']);
  const bytes = Buffer.from(stream);
  // Every split point, byte-wise (so UTF-8 sequences and CRLF pairs get cut too).
  for (let i = 1; i < bytes.length; i++) {
    const out: string[] = [];
    async function* two() {
      yield bytes.subarray(0, i);
      yield bytes.subarray(i);
    }
    for await (const d of sseData(two())) out.push(d);
    assert.deepEqual(out, whole, `split at ${i}`);
  }
});

test('a last event without its blank line is still delivered', async () => {
  assert.deepEqual(await collect(['data: tail']), ['tail']);
});
