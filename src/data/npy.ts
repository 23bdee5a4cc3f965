// Reader and writer for NumPy's .npy format (versions 1-3): a magic string, a Python-dict header giving the
// dtype, the memory order and the shape, then the raw C-order data. Only plain numeric dtypes are read; a bad
// magic, an unsupported dtype, Fortran order, or a truncated or over-long file is an Error naming the file.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { BoundedFile, byteSize, cut, shown } from './read.js';

export type NpyData = Float32Array | Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

export interface NpyArray {
  /** NumPy's name of the element type: 'float32', 'uint8', 'int64', ... */
  dtype: string;
  shape: number[];
  /** the elements in C order; 64-bit integers come as a Float64Array (each checked to be exact) */
  data: NpyData;
}

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');

// type character + size -> NumPy name and a typed array constructor over little-endian bytes
const TYPES: Record<string, { name: string; make: (b: ArrayBuffer) => NpyData }> = {
  b1: { name: 'bool', make: (b) => new Uint8Array(b) },
  u1: { name: 'uint8', make: (b) => new Uint8Array(b) },
  i1: { name: 'int8', make: (b) => new Int8Array(b) },
  u2: { name: 'uint16', make: (b) => new Uint16Array(b) },
  i2: { name: 'int16', make: (b) => new Int16Array(b) },
  u4: { name: 'uint32', make: (b) => new Uint32Array(b) },
  i4: { name: 'int32', make: (b) => new Int32Array(b) },
  u8: { name: 'uint64', make: (b) => exact(new BigUint64Array(b)) },
  i8: { name: 'int64', make: (b) => exact(new BigInt64Array(b)) },
  f4: { name: 'float32', make: (b) => new Float32Array(b) },
  f8: { name: 'float64', make: (b) => new Float64Array(b) },
};

function exact(values: BigInt64Array | BigUint64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 2n ** 53n || v < -(2n ** 53n)) throw new RangeError(`element ${i} (${v}) is beyond 2^53`);
    out[i] = Number(v);
  }
  return out;
}

function field(header: string, key: string, pattern: string): string | null {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*${pattern}`).exec(header);
  return m ? m[1] : null;
}

// NumPy writes headers of a few hundred bytes; its own reader refuses those beyond 10 000 by default
const NPY_MAX_HEADER = 64 * 1024;
export const NPY_MAX_BYTES = 4 * 1024 ** 3;

/** Reads a .npy file: the header first, and the data only when the file holds exactly what the header announces. */
export function readNpy(path: string): NpyArray {
  const file = new BoundedFile(path, NPY_MAX_BYTES, 'a .npy file');
  try {
    return readNpyFrom(file);
  } finally {
    file.close();
  }
}

function readNpyFrom(file: BoundedFile): NpyArray {
  const path = file.path;
  const start = file.read(0, 12);
  if (start.length < 10 || !start.subarray(0, 6).equals(MAGIC)) throw new Error(`${path}: not a .npy file (bad magic)`);
  const version = start[6];
  if (version < 1 || version > 3) throw new Error(`${path}: .npy format version ${version} is not supported`);
  const lengthBytes = version === 1 ? 2 : 4;
  if (start.length < 8 + lengthBytes) throw new Error(`${path}: truncated .npy header`);
  const headerLength = version === 1 ? start.readUInt16LE(8) : start.readUInt32LE(8);
  if (headerLength > NPY_MAX_HEADER) throw new Error(`${path}: .npy header of ${byteSize(headerLength)}, more than the ${byteSize(NPY_MAX_HEADER)} allowed`);
  const offset = 8 + lengthBytes + headerLength;
  if (file.size < offset) throw new Error(`${path}: truncated .npy header (${headerLength} bytes announced)`);
  const headerBytes = file.read(8 + lengthBytes, headerLength);
  const header = headerBytes.toString(version === 3 ? 'utf8' : 'latin1');

  const descr = field(header, 'descr', `['"]([^'"]*)['"]`);
  const fortran = field(header, 'fortran_order', '(True|False)');
  const shapeText = field(header, 'shape', '\\(([^)]*)\\)');
  if (descr === null || fortran === null || shapeText === null) {
    const what = descr === null && /['"]descr['"]\s*:\s*\[/.test(header) ? 'a structured dtype is not supported' : 'bad header';
    throw new Error(`${path}: ${what}: ${cut(header.trim(), 120)}`);
  }
  const shape = shapeText.split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${path}: bad shape (${cut(shapeText)}) in the header`);
  if (fortran === 'True' && shape.length > 1) {
    throw new Error(`${path}: Fortran-order arrays are not supported (save with np.ascontiguousarray or order='C')`);
  }
  const order = descr[0];
  const type = TYPES[descr.slice(1)];
  if (!type || !'<>|='.includes(order)) {
    throw new Error(`${path}: unsupported dtype ${shown(descr)} (expected float32, float64 or an integer type)`);
  }
  const itemSize = Number(descr.slice(2));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * itemSize;
  const available = file.size - offset;
  if (available !== expected) {
    throw new Error(`${path}: header says shape (${cut(shape.join(', '))}) of ${type.name} = ${expected} bytes of data, file has ` +
      `${available}${available < expected ? ' (truncated)' : ''}`);
  }
  // a fresh buffer: aligned for the typed array, and byte-swapped when the file is big-endian
  const copy = file.read(offset, expected);
  if (order === '>' && itemSize === 2) copy.swap16();
  if (order === '>' && itemSize === 4) copy.swap32();
  if (order === '>' && itemSize === 8) copy.swap64();
  try {
    return { dtype: type.name, shape, data: type.make(copy.buffer as ArrayBuffer) };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/**
 * Writes a float32 array as a version 1.0 .npy file (temp file + rename: never left half-written). The temp file is
 * named as train/files.ts names its own, `<path>.tmp-<pid>`, so that the sweep of a run folder for dead writers'
 * temp files takes one a crash leaves.
 */
export function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || count !== data.length) {
    throw new Error(`writeNpy ${path}: shape (${shape.join(', ')}) does not hold ${data.length} values`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // pad with spaces so the data starts on a 64-byte boundary, as NumPy does; the header ends with a newline
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix);
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
