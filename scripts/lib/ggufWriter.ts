// GGUF v3 writer, for the test-model generator and the demo model. Metadata values carry their GGUF
// type explicitly, because llama.cpp checks the types of the keys it reads (e.g. rope.freq_base is f32).
import { closeSync, openSync, writeSync } from 'node:fs';
import { GGUF_MAGIC } from '../../server/src/model/gguf';

export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';

export type GgufMetaValue =
  | { type: GgufScalarType; value: number | boolean | string }
  | { type: 'array'; itemType: GgufScalarType; value: (number | boolean | string)[] };

export interface GgufWriteTensor {
  name: string;
  /** GGUF order: dims[0] is the row length. */
  dims: number[];
  type: number;
  data: Uint8Array;
}

export interface GgufWriteOptions {
  version?: number;
  /** Padding used for the layout; metadata general.alignment, when given, is written as is. */
  alignment?: number;
}

const typeIds: Record<GgufScalarType | 'array', number> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void { this.chunks.push(b); this.length += b.length; }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  u64(v: number): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  string(s: string): void { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  scalar(type: GgufScalarType, v: number | boolean | string): void {
    const b = Buffer.alloc(8);
    switch (type) {
      case 'u8': b.writeUInt8(v as number); this.push(b.subarray(0, 1)); break;
      case 'i8': b.writeInt8(v as number); this.push(b.subarray(0, 1)); break;
      case 'u16': b.writeUInt16LE(v as number); this.push(b.subarray(0, 2)); break;
      case 'i16': b.writeInt16LE(v as number); this.push(b.subarray(0, 2)); break;
      case 'u32': b.writeUInt32LE(v as number); this.push(b.subarray(0, 4)); break;
      case 'i32': b.writeInt32LE(v as number); this.push(b.subarray(0, 4)); break;
      case 'f32': b.writeFloatLE(v as number); this.push(b.subarray(0, 4)); break;
      case 'bool': b.writeUInt8(v ? 1 : 0); this.push(b.subarray(0, 1)); break;
      case 'string': this.string(v as string); break;
      case 'u64': b.writeBigUInt64LE(BigInt(v as number)); this.push(b); break;
      case 'i64': b.writeBigInt64LE(BigInt(v as number)); this.push(b); break;
      case 'f64': b.writeDoubleLE(v as number); this.push(b); break;
    }
  }
  concat(): Buffer { return Buffer.concat(this.chunks); }
}

export function writeGguf(
  path: string,
  metadata: Record<string, GgufMetaValue>,
  tensors: GgufWriteTensor[],
  options: GgufWriteOptions = {},
): void {
  const alignment = options.alignment ?? 32;
  const align = (n: number): number => Math.ceil(n / alignment) * alignment;
  const head = new ByteSink();
  head.u32(GGUF_MAGIC);
  head.u32(options.version ?? 3);
  head.u64(tensors.length);
  const entries = Object.entries(metadata);
  head.u64(entries.length);
  for (const [key, meta] of entries) {
    head.string(key);
    head.u32(typeIds[meta.type]);
    if (meta.type === 'array') {
      head.u32(typeIds[meta.itemType]);
      head.u64(meta.value.length);
      for (const item of meta.value) head.scalar(meta.itemType, item);
    } else {
      head.scalar(meta.type, meta.value);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    head.string(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset = align(offset + t.data.byteLength);
  }
  const header = head.concat();
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    writeSync(fd, Buffer.alloc(align(header.length) - header.length));
    for (const t of tensors) {
      writeSync(fd, t.data);
      writeSync(fd, Buffer.alloc(align(t.data.byteLength) - t.data.byteLength));
    }
  } finally {
    closeSync(fd);
  }
}
