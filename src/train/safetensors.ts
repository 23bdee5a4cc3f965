// The safetensors file format, read and written by our own code: an 8-byte little-endian header length N, N bytes
// of JSON ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, padded with
// spaces to a multiple of 8), then the tensors' raw little-endian bytes, offsets relative to the byte after the
// header, in offset order, with no holes. The reader checks every one of those rules and names the file.
import { endianness } from 'node:os';
import { writeFileAtomic } from './files.js';
import { BoundedFile, cut, shown } from '../data/read.js';

/** Bytes per element of every dtype the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8, C64: 8,
};
/** the reference implementation refuses larger headers; so do we, both ways */
const MAX_HEADER_BYTES = 100_000_000;
// our checkpoints' headers are a few kilobytes; reading one of 100 MB would take far more memory than its size
const MAX_READ_HEADER_BYTES = 16 << 20;
const MAX_FILE_BYTES = 2 * 1024 ** 3;
// no tensor of ours has more than 4 dimensions; the format's own reference allows any, but a shape nested or
// listed without end only makes the messages huge
const MAX_RANK = 8;

/** Typed arrays with a JS counterpart; other dtypes (F16, BF16, BOOL, F8) come back as raw Uint8Array bytes. */
export type TensorArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array |
  Int8Array | Uint8Array | BigInt64Array | BigUint64Array;

export interface SafeTensor {
  dtype: string;
  shape: number[];
  data: TensorArray;
}

export interface SafetensorsContent {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const ARRAY_DTYPE: [new (...args: never[]) => TensorArray, string][] = [
  [Float32Array, 'F32'], [Float64Array, 'F64'], [Int32Array, 'I32'], [Uint32Array, 'U32'], [Int16Array, 'I16'],
  [Uint16Array, 'U16'], [Int8Array, 'I8'], [Uint8Array, 'U8'], [BigInt64Array, 'I64'], [BigUint64Array, 'U64'],
];

function dtypeOf(data: TensorArray): string {
  for (const [type, dtype] of ARRAY_DTYPE) if (data instanceof type) return dtype;
  throw new Error('safetensors: tensor data must be a typed array');
}

function copyAs(dtype: string, bytes: Uint8Array): TensorArray {
  const own = new Uint8Array(bytes); // a fresh, aligned copy (Buffer.slice would be a view)
  const n = own.byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F32': return new Float32Array(own.buffer, 0, n);
    case 'F64': return new Float64Array(own.buffer, 0, n);
    case 'I32': return new Int32Array(own.buffer, 0, n);
    case 'U32': return new Uint32Array(own.buffer, 0, n);
    case 'I16': return new Int16Array(own.buffer, 0, n);
    case 'U16': return new Uint16Array(own.buffer, 0, n);
    case 'I8': return new Int8Array(own.buffer, 0, n);
    case 'I64': return new BigInt64Array(own.buffer, 0, n);
    case 'U64': return new BigUint64Array(own.buffer, 0, n);
    default: return own;
  }
}

function checkHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: only little-endian hosts are supported');
}

/**
 * The file as a list of byte pieces (header, then each tensor's bytes without copying them). Tensors are laid out
 * widest dtype first, then by name, so every tensor starts aligned to its element size.
 */
export function encodeSafetensors(tensors: Record<string, { shape: readonly number[]; data: TensorArray }>,
  metadata: Record<string, string> = {}): Uint8Array[] {
  checkHost();
  const entries = Object.entries(tensors).map(([name, t]) => {
    const dtype = dtypeOf(t.data);
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || count !== t.data.length) {
      throw new Error(`safetensors: tensor '${name}' has shape [${t.shape.join(', ')}] but ${t.data.length} elements`);
    }
    return { name, dtype, shape: [...t.shape], data: t.data };
  });
  entries.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new Error(`safetensors: metadata '${key}' must be a string`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    if (e.name === '__metadata__') throw new Error("safetensors: '__metadata__' cannot name a tensor");
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.byteLength] };
    offset += e.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  if (json.length > MAX_HEADER_BYTES) throw new Error(`safetensors: header of ${json.length} bytes is over the 100 MB limit`);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return [length, json, ...entries.map((e) => new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength))];
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * The header's tensors and metadata, each rule checked against `dataLength`, the bytes after the header. Names and
 * values from the file are shown cut short in messages: a hostile header cannot make one huge.
 */
function decodeHeader(json: Uint8Array, dataLength: number, fail: (what: string) => never): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    fail(e instanceof RangeError ? 'header nests too deeply to be a safetensors header' : `header is not UTF-8 JSON (${shown((e as Error).message, 100)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    const tensor = `tensor ${shown(name)}`;
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ ${shown(k)} is not a string`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true }); // '__proto__' too
      }
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (entry === null || typeof entry !== 'object') fail(`${tensor} is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) fail(`${tensor} has unknown dtype ${cut(JSON.stringify(dtype) ?? String(dtype))}`);
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${tensor} has a bad shape ${shown(shape)}${Array.isArray(shape) && shape.length > MAX_RANK ? ` (more than ${MAX_RANK} dimensions)` : ''}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${tensor} has bad data_offsets ${shown(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataLength) {
      fail(`${tensor} data_offsets [${begin}, ${end}] are out of range (${dataLength} data bytes; truncated?)`);
    }
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    if (count * DTYPE_BYTES[dtype as string] !== end - begin) {
      fail(`${tensor} of shape [${shown((shape as number[]).join(', '))}] ${dtype} needs ` +
        `${count * DTYPE_BYTES[dtype as string]} bytes, its data_offsets hold ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  const spans = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const s of spans) {
    if (s.begin < covered) fail(`${`tensor ${shown(s.name)}`} overlaps the tensor before it`);
    if (s.begin > covered) fail(`bytes ${covered}..${s.begin} of the data belong to no tensor`);
    covered = s.end;
  }
  if (covered !== dataLength) fail(`the last ${dataLength - covered} data bytes belong to no tensor`);
  return { entries, metadata };
}

function headerLengthOf(first8: Uint8Array, fileLength: number, fail: (what: string) => never): number {
  if (first8.byteLength < 8) fail(`${fileLength} bytes, shorter than the 8-byte header length`);
  const headerLength = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(fileLength - 8)) fail(`header length ${headerLength} runs past the end of the file (${fileLength} bytes; truncated?)`);
  if (headerLength > BigInt(MAX_READ_HEADER_BYTES)) fail(`header length ${headerLength} is over the ${MAX_READ_HEADER_BYTES >> 20} MiB a checkpoint's header may have`);
  return Number(headerLength);
}

function failer(source: string): (what: string) => never {
  return (what: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${what}`);
  };
}

function tensorsOf(entries: HeaderEntry[], data: Uint8Array): Map<string, SafeTensor> {
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: copyAs(e.dtype, data.subarray(e.begin, e.end)) });
  return tensors;
}

/** Parses and validates a whole safetensors file held in memory; `source` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContent {
  checkHost();
  const fail = failer(source);
  const headerLength = headerLengthOf(bytes.subarray(0, 8), bytes.byteLength, fail);
  const dataStart = 8 + headerLength;
  const { entries, metadata } = decodeHeader(bytes.subarray(8, dataStart), bytes.byteLength - dataStart, fail);
  return { tensors: tensorsOf(entries, bytes.subarray(dataStart)), metadata };
}

/** Reads and validates a safetensors file: the header first, and the data only when the header holds. */
export function readSafetensors(path: string): SafetensorsContent {
  checkHost();
  const fail = failer(path);
  const file = new BoundedFile(path, MAX_FILE_BYTES, 'a checkpoint');
  try {
    const headerLength = headerLengthOf(file.read(0, 8), file.size, fail);
    const dataStart = 8 + headerLength;
    const { entries, metadata } = decodeHeader(file.read(8, headerLength), file.size - dataStart, fail);
    return { tensors: tensorsOf(entries, file.read(dataStart, file.size - dataStart)), metadata };
  } finally {
    file.close();
  }
}

/** Writes a safetensors file atomically (temp file in the same folder, fsync, rename). */
export function writeSafetensors(path: string, tensors: Record<string, { shape: readonly number[]; data: TensorArray }>,
  metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
