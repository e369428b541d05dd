// Choosing the next token from read-back logits (CPU). Temperature 0 is greedy; otherwise top-k,
// min-p and top-p filter the tempered distribution and a uniform number picks from what is left.
// The uniform number comes from sampleUniform(seed, sample index, step) alone, so sample i of a job
// draws the same tokens whatever else is in the batch.
import type { SampleParams } from '../../../src/protocol/sampling';
import { HydrapatchError } from '../../../src/protocol/errors';

/** A 32-bit avalanche mix (murmur3's finaliser). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A uniform number in [0, 1) determined by (seed, sample, step) alone: 53 bits from two hashes. */
export function sampleUniform(seed: number, sample: number, step: number): number {
  const s = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) + 0x9e3779b9));
  const h1 = mix32(s ^ mix32(sample + 0x7f4a7c15) ^ mix32(Math.imul(step, 0x632be5ab) + 0x1b873593));
  const h2 = mix32(h1 ^ 0x68e31da4);
  return ((h1 >>> 5) * 67108864 + (h2 >>> 6)) / 9007199254740992;
}

export interface Pick {
  token: number;
  /** log p(token) under the unmodified model distribution (softmax of the raw logits). */
  logprob: number;
}

export function validateSampleParams(p: SampleParams): void {
  const bad = (what: string, hint: string) => {
    throw new HydrapatchError('bad_params', `Invalid sampling parameters: ${what}.`, hint);
  };
  if (!(p.temperature >= 0) || !Number.isFinite(p.temperature)) bad(`temperature ${p.temperature}`, 'Use a temperature >= 0 (0 = greedy).');
  if (!(p.topP > 0 && p.topP <= 1)) bad(`topP ${p.topP}`, 'Use top_p in (0, 1]; 1 disables it.');
  if (!Number.isInteger(p.topK) || p.topK < 0) bad(`topK ${p.topK}`, 'Use a whole top_k >= 0; 0 disables it.');
  if (!(p.minP >= 0 && p.minP < 1)) bad(`minP ${p.minP}`, 'Use min_p in [0, 1); 0 disables it.');
  if (!Number.isInteger(p.maxTokens) || p.maxTokens < 1) bad(`maxTokens ${p.maxTokens}`, 'Use max_tokens >= 1.');
  if (!Number.isFinite(p.seed)) bad(`seed ${p.seed}`, 'Use a finite integer seed.');
  if (!Array.isArray(p.stop) || p.stop.some((s) => typeof s !== 'string' || s.length === 0)) bad('stop strings', 'Use non-empty stop strings.');
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

function logSumExp(logits: Float32Array, max: number, scale: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] - max) * scale);
  return Math.log(sum);
}

/**
 * The tokens kept by top-k, then min-p (relative to the most probable), then top-p over what is left,
 * most probable first (ties: lower id first), with their tempered probabilities.
 */
function candidates(logits: Float32Array, p: SampleParams, max: number): { ids: number[]; weights: number[] } {
  const inv = 1 / p.temperature;
  const lse = logSumExp(logits, max, inv);
  const prob = (i: number) => Math.exp((logits[i] - max) * inv - lse);
  const floor = p.minP * prob(argmax(logits));
  // Mass of everything top-k and min-p keep, when top-k does not cut: needed to normalise top-p.
  let setMass = 0;
  if (p.topK === 0) for (let i = 0; i < logits.length; i++) if (prob(i) >= floor) setMass += prob(i);
  // The kept set lies above some threshold: start high and lower it until the tokens above it
  // provably contain the set (exact, and usually one pass that collects a few tokens).
  for (let t = Math.max(floor, 1e-4 * prob(argmax(logits))); ; t *= 1e-4) {
    const ids: number[] = [];
    let mass = 0;
    for (let i = 0; i < logits.length; i++) {
      const pi = prob(i);
      if (pi >= t) {
        ids.push(i);
        mass += pi;
      }
    }
    const exhaustive = t <= floor || t < 1e-300;
    if (!exhaustive && !(p.topK > 0 ? ids.length >= p.topK : mass >= p.topP * setMass)) continue;
    ids.sort((a, b) => logits[b] - logits[a] || a - b);
    const kept = (p.topK > 0 ? ids.slice(0, p.topK) : ids).filter((i) => prob(i) >= floor);
    const w = kept.map(prob);
    const total = p.topK > 0 ? w.reduce((a, b) => a + b, 0) : setMass;
    let acc = 0;
    let n = 0;
    const target = p.topP >= 1 ? Infinity : p.topP * total;
    while (n < kept.length && acc < target) acc += w[n++];
    n = Math.max(1, n);
    return { ids: kept.slice(0, n), weights: w.slice(0, n) };
  }
}

/** The next token for `logits` given the parameters and a uniform number u in [0, 1). */
export function pickToken(logits: Float32Array, p: SampleParams, u: number): Pick {
  const max = logits[argmax(logits)];
  const logZ = logSumExp(logits, max, 1);
  const pick = (token: number): Pick => ({ token, logprob: logits[token] - max - logZ });
  if (p.temperature === 0) return pick(argmax(logits));
  if (p.topK === 0 && p.topP >= 1 && p.minP === 0) {
    // Nothing filtered: walk the whole vocabulary in id order, no sort needed.
    const inv = 1 / p.temperature;
    const lse = logSumExp(logits, max, inv);
    let acc = 0;
    for (let i = 0; i < logits.length; i++) {
      acc += Math.exp((logits[i] - max) * inv - lse);
      if (u < acc) return pick(i);
    }
    return pick(argmax(logits));
  }
  const { ids, weights } = candidates(logits, p, max);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let j = 0; j < ids.length; j++) {
    acc += weights[j] / total;
    if (u < acc) return pick(ids[j]);
  }
  return pick(ids[ids.length - 1]);
}
