// `node --import tsx bench/stopStrings.ts [--tokens 500,2000,8000]`: the cost per generated token of
// checking stop strings, for a sequence of T tokens: the whole sequence decoded after every token (as
// the engine did) next to the StopScanner (a short window decoded, only the new text searched). CPU
// only; the tokenizer is the generated test model's (GGUF, byte-level BPE and SPM).
import { parseArgs } from 'node:util';
import { loadModel } from '../server/src/model/load';
import { findStop, StopScanner } from '../server/src/sampling/stopStrings';
import { testModel } from '../test/helpers/models';

const { values } = parseArgs({ options: { tokens: { type: 'string', default: '500,2000,8000' } } });
const lengths = values.tokens.split(',').map(Number);
const stop = ['\n\n\n\n', '</patch>'];
const source = 'def parse(line):\n    return [int(x) for x in line.split(",")]  # é € 😀\n';

async function main(): Promise<void> {
  for (const vocab of ['gpt2', 'spm'] as const) {
    const { tokenizer } = await loadModel(testModel({ vocab }).gguf);
    for (const n of lengths) {
      // The source is over 10 tokens in either vocabulary.
      const tokens = tokenizer.encode(source.repeat(Math.ceil(n / 10)), { addBos: false }).slice(0, n);
      // The sequence as the engine holds it: one array, a token pushed per step.
      let seq: number[] = [];
      let t = performance.now();
      for (const token of tokens) {
        seq.push(token);
        findStop(tokenizer.decode(seq), stop);
      }
      const whole = (performance.now() - t) / n;
      seq = [];
      t = performance.now();
      const scanner = new StopScanner(tokenizer, stop);
      for (const token of tokens) {
        seq.push(token);
        scanner.push(seq);
      }
      const scanned = (performance.now() - t) / n;
      console.log(`${vocab} ${String(n).padStart(5)} tokens: whole-sequence ${whole.toFixed(4)} ms/token, scanner ${scanned.toFixed(4)} ms/token (${(whole / scanned).toFixed(1)}x)`);
    }
  }
}

main().catch((err) => {
  process.stderr.write(`bench/stopStrings failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
