// Texels: data that kernels read through `textureLoad` from an rgba32uint 2D texture instead of from a
// storage buffer. The bytes lie in order, 16 a texel, TEXELS_PER_ROW texels a texture row: byte b is in
// texel b / 16, at (texel % TEXELS_PER_ROW, texel / TEXELS_PER_ROW). A program binds them with the
// layer's `texels(type)` binding and reads element i of `type` (u32, vec2<u32>, vec4<u32>, f32 or
// vec4<f32>) as `name_at(i)`, as it reads a storage binding's (server/src/gpu/program.ts).
//
// Why (measured with bench/matmul.ts on lavapipe, Mesa 25): a load whose address differs per lane costs
// lavapipe a loop over the lanes with a branch and a bounds check per lane and 32-bit component when it
// reads a storage buffer, but one straight gather of 16 bytes a lane when it reads a texture. A lane's
// 16-byte texel load is ~3× cheaper than the same vec4<u32> from a storage buffer, the broadcast F16
// GEMM ran 1.3-2× faster with its X and W as texels, and its cold compile took half the time. So on
// CPU devices the matmuls read their activations as texels, and weights whose units are 16 (or 8)
// aligned bytes or whole Q4_K blocks (`texelsFor`, `texelsReadable`); Q5_K and Q6_K weights, read word
// by word at scattered offsets, stay in buffers. On GPUs everything stays in storage buffers (not
// measured there).
import type { Capabilities } from './capabilities';
import type { WeightType } from './gpuWeight';

/** Texels a texture row (a power of two: the index splits with a mask and a shift). */
export const TEXELS_PER_ROW = 4096;
const TEXEL_BYTES = 16;
const ROW_BYTES = TEXELS_PER_ROW * TEXEL_BYTES;

export interface Texels {
  readonly kind: 'texels';
  readonly label: string;
  readonly texture: GPUTexture;
  readonly view: GPUTextureView;
  /** Bytes it holds (the texture's last row is padded). */
  readonly bytes: number;
  destroy(): void;
}

export function isTexels(b: unknown): b is Texels {
  return typeof b === 'object' && b !== null && (b as Texels).kind === 'texels';
}

/** The most bytes one texture holds on this device. */
export function texelsCapacity(caps: Capabilities): number {
  return ROW_BYTES * caps.limits.maxTextureDimension2D;
}

/**
 * The weight types whose kernels can read them as texels: units of 16 or 8 aligned bytes, and Q4_K,
 * whose 144-byte blocks are whole texels (a unit: the header texel and half a quant texel). Q5_K and
 * Q6_K are read word by word at scattered offsets (Q6_K's blocks are not even texel-aligned): as u32
 * texels they measured no gain, and slower per row.
 */
export function texelsReadable(type: WeightType): boolean {
  return type === 'f32' || type === 'f16' || type === 'q8_0' || type === 'q4_k';
}

/** Whether matmuls on this device read their activations as texels, and weights where `texelsReadable`, as the embedding does its table. */
export function texelsFor(caps: Capabilities): boolean {
  return caps.isCpu;
}

export function createTexels(device: GPUDevice, label: string, bytes: number): Texels {
  const rows = Math.max(1, Math.ceil(bytes / ROW_BYTES));
  const texture = device.createTexture({ label, size: [TEXELS_PER_ROW, rows], format: 'rgba32uint', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  return { kind: 'texels', label, texture, view: texture.createView({ label }), bytes, destroy: () => texture.destroy() };
}

/** Whole rows first, then the last row's texels (a copy's rows are whole, or it is one row). */
function regions(bytes: number): { offset: number; width: number; rows: number; y: number }[] {
  const texels = Math.ceil(bytes / TEXEL_BYTES);
  const full = Math.floor(texels / TEXELS_PER_ROW);
  const tail = texels - full * TEXELS_PER_ROW;
  const out = [];
  if (full > 0) out.push({ offset: 0, width: TEXELS_PER_ROW, rows: full, y: 0 });
  if (tail > 0) out.push({ offset: full * ROW_BYTES, width: tail, rows: 1, y: full });
  return out;
}

export function uploadTexels(device: GPUDevice, label: string, data: Uint8Array): Texels {
  const t = createTexels(device, label, data.byteLength);
  let bytes = data;
  if (data.byteLength % TEXEL_BYTES !== 0) {
    bytes = new Uint8Array(Math.ceil(data.byteLength / TEXEL_BYTES) * TEXEL_BYTES);
    bytes.set(data);
  }
  for (const r of regions(bytes.byteLength)) {
    device.queue.writeTexture({ texture: t.texture, origin: [0, r.y] }, bytes, { offset: r.offset, bytesPerRow: ROW_BYTES }, [r.width, r.rows]);
  }
  return t;
}

/** Copies the first `bytes` of `src` (a multiple of 16, made with COPY_SRC) into `dst`. */
export function encodeCopyToTexels(encoder: GPUCommandEncoder, src: GPUBuffer, dst: Texels, bytes: number): void {
  if (bytes % TEXEL_BYTES !== 0 || bytes > dst.bytes) throw new Error(`${dst.label}: cannot copy ${bytes} bytes (whole texels, at most ${dst.bytes})`);
  for (const r of regions(bytes)) {
    encoder.copyBufferToTexture({ buffer: src, offset: r.offset, bytesPerRow: ROW_BYTES }, { texture: dst.texture, origin: [0, r.y] }, [r.width, r.rows]);
  }
}

/** Element types a texels binding can be read as, with the texels each takes (a fraction: several a texel). */
const perTexel: Record<string, number> = { u32: 4, f32: 4, 'vec2<u32>': 2, 'vec4<u32>': 1, 'vec4<f32>': 1 };

/** `fn name_at(i: u32) -> type`: element i of the texels bound as `name`. */
export function texelAccessorWgsl(name: string, type: string): string {
  const n = perTexel[type];
  if (!n) throw new Error(`texels cannot be read as ${type} (only ${Object.keys(perTexel).join(', ')})`);
  const shift = Math.log2(TEXELS_PER_ROW);
  const at = (t: string) => `textureLoad(${name}, vec2<u32>(${t} & ${TEXELS_PER_ROW - 1}u, ${t} >> ${shift}u), 0)`;
  const body =
    type === 'vec4<u32>' ? `return ${at('i')};`
    : type === 'vec4<f32>' ? `return bitcast<vec4<f32>>(${at('i')});`
    : type === 'vec2<u32>' ? `let t = ${at('(i >> 1u)')}; return select(t.xy, t.zw, (i & 1u) != 0u);`
    : type === 'u32' ? `return ${at('(i >> 2u)')}[i & 3u];`
    : `return bitcast<f32>(${at('(i >> 2u)')}[i & 3u]);`;
  return `fn ${name}_at(i: u32) -> ${type} { ${body} }`;
}
