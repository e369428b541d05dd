// GGUF reader (versions 2 and 3): metadata of every value type, tensor infos, alignment. The header is
// read through a file descriptor in chunks and tensor data one tensor at a time, so a multi-GB file is
// never held in one Buffer.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ggmlTypeInfo, ggmlTypeName } from './ggmlTypes';
import { ggufLimits } from './modelBounds';
import { excerpt, modelError } from './modelError';
import { modelOpenFlags, openModelFile } from './openModelFile';

export type GgufValue = number | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** GGUF order: ne[0] is the fastest-varying (the row length). */
  dims: number[];
  type: number;
  /** Absolute offset of the data in the file. */
  offset: number;
  byteSize: number;
}

export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataOffset: number;
  fileSize: number;
}

export const GGUF_MAGIC = 0x46554747;

const enum VT {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
}

const CHUNK = 1 << 20;
const READ_PART = 1 << 30;

/** Sequential little-endian reads over a file descriptor, refilled a chunk at a time. */
class Cursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(private readonly fd: number, readonly path: string, readonly size: number) {}

  /** Makes n bytes at pos available and returns their index in buf (call it before reading buf). */
  private need(n: number, what: string): number {
    if (this.pos + n > this.size) {
      throw modelError('model_truncated', this.path, `file ends at byte ${this.size} while reading ${what} at byte ${this.pos} (needs ${n} more bytes)`);
    }
    const rel = this.pos - this.bufStart;
    if (rel + n > this.buf.length) {
      const len = Math.min(Math.max(n, CHUNK), this.size - this.pos);
      this.buf = Buffer.alloc(len);
      readSync(this.fd, this.buf, 0, len, this.pos);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  u8(what: string): number { const at = this.need(1, what); return this.buf.readUInt8(at); }
  i8(what: string): number { const at = this.need(1, what); return this.buf.readInt8(at); }
  u16(what: string): number { const at = this.need(2, what); return this.buf.readUInt16LE(at); }
  i16(what: string): number { const at = this.need(2, what); return this.buf.readInt16LE(at); }
  u32(what: string): number { const at = this.need(4, what); return this.buf.readUInt32LE(at); }
  i32(what: string): number { const at = this.need(4, what); return this.buf.readInt32LE(at); }
  f32(what: string): number { const at = this.need(4, what); return this.buf.readFloatLE(at); }
  f64(what: string): number { const at = this.need(8, what); return this.buf.readDoubleLE(at); }
  u64(what: string): number {
    const at = this.need(8, what);
    const v = this.buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw modelError('model_bad_header', this.path, `${what} is ${v}, too large`);
    return Number(v);
  }
  i64(what: string): number { const at = this.need(8, what); return Number(this.buf.readBigInt64LE(at)); }

  string(what: string, maxBytes = Number.MAX_SAFE_INTEGER): string {
    const len = this.u64(`length of ${what}`);
    if (len > maxBytes) throw modelError('model_bad_header', this.path, `${what} at byte ${this.pos} claims ${len} bytes; the limit is ${maxBytes}`);
    if (this.pos + len > this.size) {
      throw modelError('model_truncated', this.path, `${what} at byte ${this.pos} claims ${len} bytes but the file ends at byte ${this.size}`);
    }
    const at = this.need(len, what);
    return this.buf.toString('utf8', at, at + len);
  }
}

function readValue(c: Cursor, type: number, key: string, depth = 0): GgufValue {
  switch (type) {
    case VT.U8: return c.u8(key);
    case VT.I8: return c.i8(key);
    case VT.U16: return c.u16(key);
    case VT.I16: return c.i16(key);
    case VT.U32: return c.u32(key);
    case VT.I32: return c.i32(key);
    case VT.F32: return c.f32(key);
    case VT.BOOL: return c.u8(key) !== 0;
    case VT.STRING: return c.string(key);
    case VT.U64: return c.u64(key);
    case VT.I64: return c.i64(key);
    case VT.F64: return c.f64(key);
    case VT.ARRAY: {
      // Nesting is bounded so that a file of nested arrays cannot exhaust the stack.
      if (depth >= ggufLimits.arrayDepth) throw modelError('model_bad_header', c.path, `${key} nests arrays deeper than ${ggufLimits.arrayDepth} levels`);
      const itemType = c.u32(`item type of ${key}`);
      const count = c.u64(`length of ${key}`);
      // Every item takes at least one byte: a larger count is a lie, caught before allocating.
      if (count > c.size - c.pos) {
        throw modelError('model_truncated', c.path, `array ${key} claims ${count} items but only ${c.size - c.pos} bytes remain`);
      }
      const out: GgufValue[] = new Array(count);
      for (let i = 0; i < count; i++) out[i] = readValue(c, itemType, key, depth + 1);
      return out;
    }
    default:
      throw modelError('model_bad_header', c.path, `${key} has unknown value type ${type}`);
  }
}

export function readGguf(path: string): GgufFile {
  const fd = openModelFile(path);
  try {
    const size = fstatSync(fd).size;
    const c = new Cursor(fd, path, size);
    if (size < 4 || c.u32('magic') !== GGUF_MAGIC) {
      throw modelError('model_bad_magic', path, 'does not start with the GGUF magic bytes "GGUF"');
    }
    const version = c.u32('version');
    if (version !== 2 && version !== 3) {
      throw modelError('model_unsupported_version', path, `GGUF version ${version} is not supported (supported: 2, 3)`);
    }
    const tensorCount = c.u64('tensor count');
    const kvCount = c.u64('metadata count');
    if (tensorCount > size || kvCount > size) {
      throw modelError('model_truncated', path, `header claims ${tensorCount} tensors and ${kvCount} metadata entries, more than the file can hold`);
    }
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      // Keys (and names below) appear in error messages: only a short, escaped excerpt of them.
      const key = c.string(`metadata key #${i}`, ggufLimits.keyBytes);
      const what = `metadata ${excerpt(key)}`;
      metadata.set(key, readValue(c, c.u32(`type of ${what}`), what));
    }
    const alignment = metadata.get('general.alignment') ?? 32;
    if (typeof alignment !== 'number' || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw modelError('model_misaligned', path, `general.alignment is ${String(alignment)}, not a power of two`);
    }
    const infos: { name: string; dims: number[]; type: number; rel: number }[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = c.string(`tensor name #${i}`, ggufLimits.nameBytes);
      const nDims = c.u32(`rank of ${excerpt(name)}`);
      if (nDims < 1 || nDims > 4) throw modelError('model_bad_header', path, `tensor ${excerpt(name)} has rank ${nDims} (expected 1 to 4)`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.u64(`dimension ${d} of ${excerpt(name)}`));
      infos.push({ name, dims, type: c.u32(`type of ${excerpt(name)}`), rel: c.u64(`offset of ${excerpt(name)}`) });
    }
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    const tensors = infos.map(({ name, dims, type, rel }): GgufTensorInfo => {
      if (rel % alignment !== 0) {
        throw modelError('model_misaligned', path, `tensor ${name} starts at data offset ${rel}, not a multiple of the alignment ${alignment}`);
      }
      const info = ggmlTypeInfo(type);
      const count = dims.reduce((a, b) => a * b, 1);
      let byteSize = 0;
      if (info) {
        if (dims[0] % info.blockSize !== 0) {
          throw modelError('model_bad_shape', path, `tensor ${name} has rows of ${dims[0]} values, not a multiple of the ${ggmlTypeName(type)} block size ${info.blockSize}`);
        }
        byteSize = (count / info.blockSize) * info.blockBytes;
      }
      const offset = dataOffset + rel;
      if (offset + byteSize > size) {
        throw modelError('model_truncated', path, `tensor ${name} needs bytes ${offset}..${offset + byteSize} but the file has ${size} bytes`);
      }
      return { name, dims, type, offset, byteSize };
    });
    return { path, version, metadata, tensors, alignment, dataOffset, fileSize: size };
  } finally {
    closeSync(fd);
  }
}

/** Reads the raw bytes of some tensors, one read per tensor. */
export async function readGgufTensorData(file: GgufFile, tensors: GgufTensorInfo[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const fh = await open(file.path, modelOpenFlags);
  try {
    for (const t of tensors) {
      const data = new Uint8Array(t.byteSize);
      // One read is limited to 2 GiB; big embedding tables are read in parts.
      for (let done = 0; done < t.byteSize; ) {
        const { bytesRead } = await fh.read(data, done, Math.min(READ_PART, t.byteSize - done), t.offset + done);
        if (bytesRead === 0) throw modelError('model_truncated', file.path, `tensor ${t.name} is cut short (${done} of ${t.byteSize} bytes)`);
        done += bytesRead;
      }
      out.set(t.name, data);
    }
  } finally {
    await fh.close();
  }
  return out;
}
