// One .safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the data. The header is checked against the file before any
// tensor is read, so a header that lies about sizes is caught up front.
import { closeSync, fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { modelError } from './modelError';
import { openModelFile } from './openModelFile';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  path: string;
  entries: Map<string, SafetensorsEntry>;
}

const dtypeBytes: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

export function readSafetensorsHeader(path: string): SafetensorsFile {
  const fd = openModelFile(path);
  try {
    const size = fstatSync(fd).size;
    const lenBuf = Buffer.alloc(8);
    if (size < 8 || readSync(fd, lenBuf, 0, 8, 0) !== 8) throw modelError('model_truncated', path, `is ${size} bytes, too short for a safetensors header`);
    const headerLen = lenBuf.readBigUInt64LE();
    if (headerLen > BigInt(Math.min(size - 8, MAX_HEADER))) {
      throw modelError('model_truncated', path, `header claims ${headerLen} bytes but the file has ${size - 8} bytes after the length field`);
    }
    const n = Number(headerLen);
    const raw = Buffer.alloc(n);
    readSync(fd, raw, 0, n, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      throw modelError('model_bad_header', path, `the safetensors header is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw modelError('model_bad_header', path, 'the safetensors header is not a JSON object');
    const dataStart = 8 + n;
    const entries = new Map<string, SafetensorsEntry>();
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const shape = e.shape;
      const offsets = e.data_offsets;
      if (
        typeof e.dtype !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) ||
        !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)
      ) {
        throw modelError('model_bad_header', path, `header entry ${name} lacks a valid dtype, shape or data_offsets`);
      }
      const elem = dtypeBytes[e.dtype];
      if (elem === undefined) throw modelError('model_bad_header', path, `tensor ${name} has unknown dtype ${e.dtype}`);
      const [b, en] = offsets as number[];
      const want = (shape as number[]).reduce((a, d) => a * d, 1) * elem;
      if (en < b || en - b !== want) {
        throw modelError('model_bad_header', path, `tensor ${name} (${e.dtype} [${shape.join(', ')}]) needs ${want} bytes but its data_offsets span ${en - b}`);
      }
      if (dataStart + en > size) {
        throw modelError('model_truncated', path, `tensor ${name} ends at byte ${dataStart + en} but the file has ${size} bytes`);
      }
      if (e.dtype !== 'F32' && e.dtype !== 'F16' && e.dtype !== 'BF16') {
        throw modelError('model_unsupported_tensor_type', path, `unsupported tensor type ${e.dtype} (tensor ${name}); supported: F32, F16, BF16`);
      }
      entries.set(name, { name, dtype: e.dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + en });
    }
    return { path, entries };
  } finally {
    closeSync(fd);
  }
}

export async function readSafetensorsData(fh: FileHandle, file: SafetensorsFile, entry: SafetensorsEntry): Promise<Uint8Array> {
  const data = new Uint8Array(entry.end - entry.begin);
  const { bytesRead } = await fh.read(data, 0, data.length, entry.begin);
  if (bytesRead !== data.length) throw modelError('model_truncated', file.path, `tensor ${entry.name} is cut short`);
  return data;
}
