// HF llama checkpoints rotate each head's dimension i with i + headDim/2 ("half" RoPE); GGUF rotates
// adjacent pairs (2i, 2i+1). llama.cpp's converter reorders the Q/K rows of every head so that both
// give the same attention: GGUF row 2i+j of a head is HF row j*headDim/2 + i. These move whole rows,
// so they work on any row layout (f32, f16, bf16 bytes).

function movedRows(data: Uint8Array, heads: number, headDim: number, src: (i: number, j: number) => number, dst: (i: number, j: number) => number): Uint8Array {
  const rowBytes = data.byteLength / (heads * headDim);
  const out = new Uint8Array(data.byteLength);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + src(i, j)) * rowBytes;
        out.set(data.subarray(from, from + rowBytes), (h * headDim + dst(i, j)) * rowBytes);
      }
    }
  }
  return out;
}

const halfIndex = (half: number) => (i: number, j: number): number => j * half + i;
const pairIndex = (i: number, j: number): number => 2 * i + j;

/** HF (half) row order → GGUF (adjacent-pair) row order, as convert_hf_to_gguf.py's permute. */
export function hfToGgufRopeRows(data: Uint8Array, heads: number, headDim: number): Uint8Array {
  return movedRows(data, heads, headDim, halfIndex(headDim / 2), pairIndex);
}

/** GGUF row order → HF row order (the inverse), for writing a safetensors copy of a GGUF model. */
export function ggufToHfRopeRows(data: Uint8Array, heads: number, headDim: number): Uint8Array {
  return movedRows(data, heads, headDim, pairIndex, halfIndex(headDim / 2));
}
