// Uploading a weight as the kernels read it (server/src/gpu/gpuWeight.ts). f32 and f16 go up as they
// are (f16 as packed pairs of halves); Q8_0's 34-byte blocks (f16 scale + 32 int8) are not 4-byte
// aligned, so they are split into a quant buffer (8 u32 per block) and a scale buffer (one f32 per
// block) — exact, dequantised in the kernel. K-quants go up as their raw super-blocks, read as u32
// (Q4_K's 144 and Q5_K's 176 bytes are 4-byte multiples; Q6_K's 210-byte blocks are padded to 212),
// and are dequantised in the kernels too. A matrix larger than one storage binding is split by rows.
import { HydrapatchError } from '../../../src/protocol/errors';
import { capabilitiesOf } from '../gpu/capabilities';
import { uploadStorage } from '../gpu/buffers';
import { texelsCapacity, texelsFor, texelsReadable, uploadTexels, type Texels } from '../gpu/texels';
import { unitOf, type GpuWeight, type GpuWeightPart, type WeightType } from '../gpu/gpuWeight';
import { kBlockWords } from '../gpu/kQuantWgsl';
import type { Tensor } from './types';
import { f16BitsToF32 } from './f16';
import { QK_K, dequantizeK, kBlockBytes } from './kQuants';

/** Q6_K blocks padded from 210 to 212 bytes, so that each starts on a u32. */
function padQ6_K(data: Uint8Array, blocks: number): Uint8Array {
  const out = new Uint8Array(blocks * kBlockWords.q6_k * 4);
  for (let b = 0; b < blocks; b++) out.set(data.subarray(b * kBlockBytes.q6_k, (b + 1) * kBlockBytes.q6_k), b * kBlockWords.q6_k * 4);
  return out;
}

function splitQ8_0(data: Uint8Array, blocks: number): { quants: Uint8Array; scales: Float32Array } {
  const quants = new Uint8Array(blocks * 32);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const at = b * 34;
    scales[b] = f16BitsToF32(data[at] | (data[at + 1] << 8));
    quants.set(data.subarray(at + 2, at + 34), b * 32);
  }
  return { quants, scales };
}

/** Bytes one row of `cols` takes on the GPU (Q8_0: the quants; its scales are 8× smaller). */
function rowBytes(type: WeightType, cols: number): number {
  if (type === 'q4_k' || type === 'q5_k' || type === 'q6_k') return (cols / QK_K) * kBlockWords[type] * 4;
  return type === 'f32' ? cols * 4 : type === 'f16' ? cols * 2 : cols;
}

export interface UploadOptions {
  /** Split into parts of at most this many bytes (default: the device's binding limit). */
  maxPartBytes?: number;
  /** Upload as texels (default: where the device's kernels read this type as texels, `texelsFor` and `texelsReadable`). */
  texels?: boolean;
}

/** Uploads `tensor` as the kernels read it, split by rows where it exceeds one binding. */
export function uploadWeight(device: GPUDevice, tensor: Tensor, options: UploadOptions = {}): GpuWeight {
  const caps = capabilitiesOf(device);
  const asTexels = options.texels ?? (texelsFor(caps) && texelsReadable(tensor.type));
  if (asTexels && !texelsReadable(tensor.type)) throw new Error(`${tensor.name}: ${tensor.type} weights are read from buffers only`);
  const maxPartBytes = options.maxPartBytes ?? Math.min(caps.limits.maxStorageBufferBindingSize, asTexels ? texelsCapacity(caps) : Infinity);
  const [rows, cols] = tensor.shape.length === 2 ? tensor.shape : [1, tensor.shape[0]];
  const unit = unitOf[tensor.type];
  if (cols % unit !== 0) {
    throw new HydrapatchError(
      'unsupported_shape',
      `tensor ${tensor.name} has ${cols} columns, not a multiple of ${unit} as the ${tensor.type} matmul kernels need`,
      'Use a model whose hidden and intermediate sizes are multiples of 32.',
    );
  }
  const perPart = Math.floor(maxPartBytes / rowBytes(tensor.type, cols));
  if (perPart < 1) {
    throw new HydrapatchError('gpu_buffer_too_large', `one row of tensor ${tensor.name} (${cols} columns) exceeds the device's largest storage binding`, 'Use a GPU with larger buffer limits.');
  }
  const stored = tensor.data.byteLength / rows;
  const parts: GpuWeightPart[] = [];
  for (let rowStart = 0; rowStart < rows; rowStart += perPart) {
    const n = Math.min(perPart, rows - rowStart);
    const bytes = tensor.data.subarray(rowStart * stored, (rowStart + n) * stored);
    const label = `${tensor.name}[${rowStart}..${rowStart + n})`;
    const upload = (label: string, data: Uint8Array): GPUBuffer | Texels => (asTexels ? uploadTexels(device, label, data) : uploadStorage(device, label, data));
    if (tensor.type === 'q6_k') {
      parts.push({ rowStart, rows: n, data: upload(label, padQ6_K(bytes, (n * cols) / QK_K)) });
    } else if (tensor.type !== 'q8_0') {
      parts.push({ rowStart, rows: n, data: upload(label, bytes) });
    } else {
      const { quants, scales } = splitQ8_0(bytes, (n * cols) / 32);
      parts.push({ rowStart, rows: n, data: upload(label, quants), scales: uploadStorage(device, `${label}.scales`, scales) });
    }
  }
  return { name: tensor.name, type: tensor.type, rows, cols, parts };
}

/** The weight as f32 numbers on the CPU (references and tests). */
export function dequantize(tensor: Tensor): Float32Array {
  const n = tensor.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const bytes = tensor.data;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (tensor.type === 'f32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  else if (tensor.type === 'f16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(view.getUint16(i * 2, true));
  else if (tensor.type !== 'q8_0') return dequantizeK(tensor.type, bytes, n);
  else {
    for (let b = 0; b < n / 32; b++) {
      const d = f16BitsToF32(view.getUint16(b * 34, true));
      for (let j = 0; j < 32; j++) out[b * 32 + j] = d * view.getInt8(b * 34 + 2 + j);
    }
  }
  return out;
}
