// The demo model: a real llama-architecture GGUF file that every engine loads and samples like any
// other model, but constructed, not trained. It is an exact bigram table over whole lines of an edit
// script for the bundled example issue (examples/cart): it writes a fix sometimes, a near miss or junk
// otherwise. It is a demonstration model, not a language model: it ignores its prompt.
//
// Construction (hidden size d = 64, one layer, F32 weights, S ≤ d chain states):
// - Vocabulary: the generated gpt2 byte-level BPE vocabulary of the test models (so any prompt
//   tokenizes), plus one extra token per line of the edit script below. A line token's string is the
//   byte-level encoding of the whole line with its "\n", so decoding it gives the line.
// - State of a token: a line token is its own state 1..S−1; every other token (the prompt's) is state 0,
//   "start". token_embd row t = e_state(t) (one-hot, scale s = 1).
// - Every attention output (attn_output) and MLP output (ffn_down) weight is 0, so each layer adds 0 to
//   the residual stream: the final hidden vector at a position is the embedding of that position's token.
// - The final RMSNorm maps s·e_i to s·e_i / sqrt(s²/d + eps) · w; with w = sqrt(1/d + eps) (s = 1) the
//   normed vector is exactly e_i (up to f32 rounding).
// - output.weight row j, column i = log P(j | state i) (−100 where P = 0, which underflows to 0 in
//   softmax), so the logits after token t are log P(· | state(t)) and softmax gives P exactly.
// So at temperature 1 with no top-k/top-p/min-p filtering, a sample is a walk of the Markov chain
// `transitions` from "start" until EOS, and the probability of any output is a product of table entries.
// The chain is acyclic, so its paths can be enumerated exactly (enumeratePaths): the test in
// test/integration/demo/ applies each path's edits to the example, runs its tests, and sums the
// probabilities of the paths that pass: the exact per-sample solve probability.
//
// Usage: npx tsx scripts/makeDemoModel.ts [OUT.gguf]   (default models/demo-bigram.gguf)
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bytesToByteLevel } from '../server/src/model/byteLevel';
import { GGML_F32 } from '../server/src/model/ggmlTypes';
import { type GgufMetaValue, type GgufWriteTensor, writeGguf } from './lib/ggufWriter';
import { expectedTensorShapes } from '../server/src/model/modelTensors';
import type { ModelConfig } from '../server/src/model/types';
import { gpt2Vocab, TOKEN_NORMAL } from './testModels/vocab';

/** The lines the model can write, each one token. */
export const demoLines = {
  proseRight: 'The loop in cartTotal starts at index 1, so the first item is never counted.\n',
  proseWrong: 'The discount should be taken off each item before the items are added up.\n',
  fileRight: 'src/cart.js\n',
  fileWrong: 'cart.js\n',
  search: '<<<<<<< SEARCH\n',
  searchLoop: '  for (let i = 1; i < items.length; i++) {\n',
  searchLoopUnindented: 'for (let i = 1; i < items.length; i++) {\n',
  searchTotal: '  let total = 0;\n',
  searchMisquoted: '  for (let i = 1; i < items.length; ++i) {\n',
  divider: '=======\n',
  replaceLoopRight: '  for (let i = 0; i < items.length; i++) {\n',
  replaceLoopOverrun: '  for (let i = 0; i <= items.length; i++) {\n',
  replaceTotalRight: '  let total = items.length > 0 ? lineTotal(items[0]) : 0;\n',
  replaceTotalJunk: '  let total = items.length;\n',
  replace: '>>>>>>> REPLACE\n',
} as const;

export type DemoLine = keyof typeof demoLines;
export type DemoState = 'start' | DemoLine;
export type DemoNext = DemoLine | 'eos';

/**
 * P(next | state). Chosen so that one sample fixes the issue about 14% of the time (see models/README.md
 * for the exact value and how it is checked): the right file and the right SEARCH and a matching right
 * REPLACE. The one shared divider makes the chain forget which line was searched, so right REPLACE lines
 * also land on the wrong SEARCH (near misses that break the code), as real models' slips do.
 */
export const demoTransitions: Record<DemoState, Partial<Record<DemoNext, number>>> = {
  start: { proseRight: 0.45, proseWrong: 0.2, fileRight: 0.25, fileWrong: 0.1 },
  proseRight: { fileRight: 0.6, fileWrong: 0.1, eos: 0.3 },
  proseWrong: { fileRight: 0.5, eos: 0.5 },
  fileRight: { search: 1 },
  fileWrong: { search: 1 },
  search: { searchLoop: 0.45, searchLoopUnindented: 0.1, searchTotal: 0.2, searchMisquoted: 0.25 },
  searchLoop: { divider: 1 },
  searchLoopUnindented: { divider: 1 },
  searchTotal: { divider: 1 },
  searchMisquoted: { divider: 1 },
  divider: { replaceLoopRight: 0.35, replaceLoopOverrun: 0.25, replaceTotalRight: 0.15, replaceTotalJunk: 0.25 },
  replaceLoopRight: { replace: 1 },
  replaceLoopOverrun: { replace: 1 },
  replaceTotalRight: { replace: 1 },
  replaceTotalJunk: { replace: 1 },
  replace: { eos: 1 },
};

const hidden = 64;
const baseVocabSize = 512;
/** Logit of impossible transitions: exp(−100) underflows, in f32 and f64 softmax alike. */
export const impossibleLogit = -100;

export interface DemoPath {
  lines: DemoLine[];
  /** Product of the transition probabilities (ending with EOS). */
  probability: number;
  text: string;
}

/** Every path from start to EOS with its probability (the chain is acyclic, so the list is finite). */
export function enumeratePaths(transitions = demoTransitions): DemoPath[] {
  const out: DemoPath[] = [];
  const walk = (state: DemoState, lines: DemoLine[], p: number) => {
    if (lines.length > 64) throw new RangeError('the demo chain has a cycle');
    for (const [next, q] of Object.entries(transitions[state]) as [DemoNext, number][]) {
      if (next === 'eos') out.push({ lines, probability: p * q, text: lines.map((l) => demoLines[l]).join('') });
      else walk(next, [...lines, next], p * q);
    }
  };
  walk('start', [], 1);
  return out;
}

export interface DemoModel {
  config: ModelConfig;
  metadata: Record<string, GgufMetaValue>;
  tensors: GgufWriteTensor[];
  /** Token id of each line. */
  lineTokenIds: Record<DemoLine, number>;
  eosId: number;
  /** Chain state index of each state (column of output.weight). */
  stateIndex: Record<DemoState, number>;
}

export function buildDemoModel(): DemoModel {
  for (const [state, row] of Object.entries(demoTransitions)) {
    const sum = Object.values(row).reduce((a, b) => a + (b ?? 0), 0);
    if (Math.abs(sum - 1) > 1e-12) throw new RangeError(`demo transitions from ${state} sum to ${sum}, not 1`);
  }
  const vocab = gpt2Vocab(baseVocabSize);
  const lineNames = Object.keys(demoLines) as DemoLine[];
  const tokens = [...vocab.tokens, ...lineNames.map((l) => bytesToByteLevel(Buffer.from(demoLines[l], 'utf8')))];
  const types = [...vocab.types, ...lineNames.map(() => TOKEN_NORMAL)];
  const lineTokenIds = Object.fromEntries(lineNames.map((l, i) => [l, vocab.tokens.length + i])) as Record<DemoLine, number>;
  const stateIndex = Object.fromEntries([['start', 0], ...lineNames.map((l, i) => [l, i + 1])]) as Record<DemoState, number>;
  if (lineNames.length + 1 > hidden) throw new RangeError(`the demo chain has more states than the hidden size ${hidden}`);

  const config: ModelConfig = {
    arch: 'llama',
    vocabSize: tokens.length,
    hiddenSize: hidden,
    intermediateSize: 128,
    numLayers: 1,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
    ropeTheta: 10000,
    ropeMode: 'norm',
    rmsNormEps: Math.fround(1e-5),
    contextLength: 16384,
    tiedEmbeddings: false,
    qkvBias: false,
    qkNorm: false,
    ropeFreqs: false,
  };
  const V = config.vocabSize;
  const d = config.hiddenSize;
  const values = new Map<string, Float32Array>();
  for (const [name, shape] of expectedTensorShapes(config)) values.set(name, new Float32Array(shape.reduce((a, b) => a * b, 1)));

  const embd = values.get('token_embd.weight') as Float32Array;
  const stateOfToken = (t: number) => {
    const line = lineNames[t - vocab.tokens.length];
    return line === undefined ? 0 : stateIndex[line];
  };
  for (let t = 0; t < V; t++) embd[t * d + stateOfToken(t)] = 1;

  for (let l = 0; l < config.numLayers; l++) {
    (values.get(`blk.${l}.attn_norm.weight`) as Float32Array).fill(1);
    (values.get(`blk.${l}.ffn_norm.weight`) as Float32Array).fill(1);
  }
  (values.get('output_norm.weight') as Float32Array).fill(Math.sqrt(1 / d + config.rmsNormEps));

  const head = values.get('output.weight') as Float32Array;
  head.fill(impossibleLogit);
  for (const [state, row] of Object.entries(demoTransitions) as [DemoState, Partial<Record<DemoNext, number>>][]) {
    const i = stateIndex[state];
    for (const [next, p] of Object.entries(row) as [DemoNext, number][]) {
      const j = next === 'eos' ? vocab.eosId : lineTokenIds[next];
      head[j * d + i] = Math.log(p);
    }
  }

  const u32 = (value: number): GgufMetaValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufMetaValue => ({ type: 'f32', value });
  const metadata: Record<string, GgufMetaValue> = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: 'hydrapatch-demo-bigram (a constructed demonstration model, not a language model)' },
    'general.description': { type: 'string', value: 'Exact bigram table over whole lines of edit scripts for examples/cart; see models/README.md.' },
    'general.file_type': u32(0),
    'llama.context_length': u32(config.contextLength),
    'llama.embedding_length': u32(d),
    'llama.block_count': u32(config.numLayers),
    'llama.feed_forward_length': u32(config.intermediateSize),
    'llama.attention.head_count': u32(config.numHeads),
    'llama.attention.head_count_kv': u32(config.numKvHeads),
    'llama.attention.key_length': u32(config.headDim),
    'llama.attention.value_length': u32(config.headDim),
    'llama.rope.dimension_count': u32(config.headDim),
    'llama.rope.freq_base': f32(config.ropeTheta),
    'llama.attention.layer_norm_rms_epsilon': f32(config.rmsNormEps),
    'llama.vocab_size': u32(V),
    'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
    'tokenizer.ggml.pre': { type: 'string', value: 'qwen2' },
    'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', value: tokens },
    'tokenizer.ggml.token_type': { type: 'array', itemType: 'i32', value: types },
    'tokenizer.ggml.merges': { type: 'array', itemType: 'string', value: vocab.merges },
    'tokenizer.ggml.bos_token_id': u32(vocab.bosId),
    'tokenizer.ggml.eos_token_id': u32(vocab.eosId),
    'tokenizer.ggml.eot_token_id': u32(vocab.eotId as number),
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: false },
    'tokenizer.chat_template': { type: 'string', value: vocab.chatTemplate },
  };
  const tensors: GgufWriteTensor[] = [...expectedTensorShapes(config)].map(([name, shape]) => ({
    name,
    dims: [...shape].reverse(),
    type: GGML_F32,
    data: new Uint8Array((values.get(name) as Float32Array).buffer),
  }));
  return { config, metadata, tensors, lineTokenIds, eosId: vocab.eosId, stateIndex };
}

export const defaultDemoModelPath = join(__dirname, '..', 'models', 'demo-bigram.gguf');

export function writeDemoModel(path = defaultDemoModelPath): DemoModel {
  const model = buildDemoModel();
  mkdirSync(dirname(path), { recursive: true });
  writeGguf(path, model.metadata, model.tensors);
  return model;
}

if (process.argv[1]?.endsWith('makeDemoModel.ts')) {
  const out = process.argv[2] ?? defaultDemoModelPath;
  const m = writeDemoModel(out);
  console.log(`wrote ${out}: vocab ${m.config.vocabSize}, hidden ${m.config.hiddenSize}, ${Object.keys(demoLines).length} line tokens`);
}
