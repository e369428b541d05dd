// Plain-TypeScript attention, the reference the tree-attention kernels (server/src/gpu/attention/treeStep.ts,
// hydragenAttention.ts) are tested against (test/unit/hydragen/treeAttention.test.ts): for each query row
// and head, softmax(q . k / sqrt(d)) . v over an explicit list of KV-pool token slots, in f64.

export interface ReferenceAttentionInput {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** [rows, numHeads, headDim] */
  q: Float32Array;
  /** [slots, numKvHeads, headDim] */
  kPool: Float32Array;
  vPool: Float32Array;
  /** For each row, the pool slots it attends to. */
  rowKeySlots: number[][];
}

export function referenceAttention(input: ReferenceAttentionInput): Float32Array {
  const { numHeads, numKvHeads, headDim: d, q, kPool, vPool, rowKeySlots } = input;
  const group = numHeads / numKvHeads;
  const scale = 1 / Math.sqrt(d);
  const out = new Float32Array(rowKeySlots.length * numHeads * d);
  for (let r = 0; r < rowKeySlots.length; r++) {
    const slots = rowKeySlots[r];
    for (let h = 0; h < numHeads; h++) {
      const kvh = Math.floor(h / group);
      const qo = (r * numHeads + h) * d;
      const scores = slots.map((s) => {
        const ko = (s * numKvHeads + kvh) * d;
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[qo + i] * kPool[ko + i];
        return dot * scale;
      });
      const max = Math.max(...scores);
      const w = scores.map((x) => Math.exp(x - max));
      const sum = w.reduce((a, b) => a + b, 0);
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let j = 0; j < slots.length; j++) acc += w[j] * vPool[(slots[j] * numKvHeads + kvh) * d + i];
        out[qo + i] = acc / sum;
      }
    }
  }
  return out;
}
