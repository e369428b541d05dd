// A weight matrix as the kernels read it: its storage type, and its rows as GPU buffers, or as texels
// where the device reads those faster (texels.ts; how they get there: server/src/model/weightUpload.ts). A matrix larger than one storage binding (lavapipe: 128
// MiB; a 150k-vocabulary embedding is more) is split by rows into parts, each its own buffer; kernels
// run once per part.

/** The storage types the kernels read (dequantised in the kernels). */
export type WeightType = 'f32' | 'f16' | 'q8_0' | 'q4_k' | 'q5_k' | 'q6_k';

import type { Texels } from './texels';

/** Rows [rowStart, rowStart + rows) of a weight, in one buffer (or texture). */
export interface GpuWeightPart {
  rowStart: number;
  rows: number;
  data: GPUBuffer | Texels;
  /** Q8_0 only: one f32 scale per block of 32. */
  scales?: GPUBuffer;
}

export interface GpuWeight {
  name: string;
  type: WeightType;
  rows: number;
  cols: number;
  parts: GpuWeightPart[];
}

/** Elements one lane of a matmul handles at a time, per weight type (vec4 f32, 8 halves, one Q8_0 block, 8 K-quant values). */
export const unitOf: Record<WeightType, number> = { f32: 4, f16: 8, q8_0: 32, q4_k: 8, q5_k: 8, q6_k: 8 };
