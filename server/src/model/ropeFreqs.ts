// Llama 3 RoPE frequency factors from a config.json `rope_scaling` of type `llama3`: the per-pair
// divisors of the rotary angles that llama.cpp's converter stores as `rope_freqs.weight`. High
// frequencies (wavelength under original_max_position_embeddings / high_freq_factor) keep factor 1, low
// ones (over .../low_freq_factor) are divided by `factor`, those between blend smoothly.
import { modelError } from './modelError';

export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** Reads `rope_scaling` of type llama3; refuses any other type (it would be silently ignored otherwise). */
export function llama3RopeScaling(raw: unknown, path: string): Llama3RopeScaling {
  const r = (raw ?? {}) as Record<string, unknown>;
  const type = r.rope_type ?? r.type;
  if (type !== 'llama3') {
    throw modelError('model_bad_config', path, `rope_scaling ${JSON.stringify(raw)} is not supported (supported: rope_type "llama3")`, 'Use a model without rope scaling or with Llama 3 rope scaling.');
  }
  const n = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !(v > 0)) throw modelError('model_bad_config', path, `rope_scaling.${key} is ${JSON.stringify(v ?? null)}, expected a positive number`);
    return v;
  };
  const s = { factor: n('factor'), lowFreqFactor: n('low_freq_factor'), highFreqFactor: n('high_freq_factor'), originalMaxPositionEmbeddings: n('original_max_position_embeddings') };
  if (s.highFreqFactor <= s.lowFreqFactor) {
    throw modelError('model_bad_config', path, `rope_scaling high_freq_factor ${s.highFreqFactor} must exceed low_freq_factor ${s.lowFreqFactor}`);
  }
  return s;
}

/** The factors [headDim/2], computed as llama.cpp's converter does (frequencies in f32). */
export function llama3RopeFreqs(s: Llama3RopeScaling, headDim: number, base: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < out.length; i++) {
    const freq = Math.fround(1 / Math.fround(Math.pow(base, (2 * i) / headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / s.factor + smooth);
    }
  }
  return out;
}
