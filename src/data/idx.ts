// Reader for the IDX format of MNIST and Fashion-MNIST (gzipped or raw): uint8 images or labels with a
// big-endian header. A truncated, corrupt or mis-shaped file is an Error naming the file and the problem.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { byteSize, gunzipBounded, gunzipPrefix, isGzip, readFileBounded } from './read.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

// MNIST's training images are 47 MB: a data set of twice as many rows still fits, a header claiming far more does not
export const IDX_MAX_BYTES = 128 << 20;

/** The dims of an IDX header at the start of `bytes` (magic, rank 1 to 4, every dim present); null where there is none. */
function headerDims(bytes: Buffer): number[] | null {
  const rank = bytes[3];
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || rank < 1 || rank > 4 || bytes.length < 4 + 4 * rank) return null;
  return Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
}

export function readIdx(path: string): IdxArray {
  let bytes = readFileBounded(path, IDX_MAX_BYTES, 'an IDX file');
  if (isGzip(bytes)) {
    // the header bounds the inflation: a stream that inflates to more than it announces is refused at that size
    const head = headerDims(gunzipPrefix(bytes, path));
    const announced = head === null ? 4096 : 4 + 4 * head.length + head.reduce((a, b) => a * b, 1);
    if (announced > IDX_MAX_BYTES) throw new Error(`${path}: IDX header announces ${byteSize(announced)}, more than the ${byteSize(IDX_MAX_BYTES)} an IDX file may have`);
    bytes = gunzipBounded(bytes, announced, path, `the ${byteSize(announced)} its IDX header announces`);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${path}: not an IDX file (bad magic number)`);
  if (bytes[2] !== UBYTE) throw new Error(`${path}: IDX element type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes)`);
  const dims = headerDims(bytes);
  if (dims === null) throw new Error(`${path}: truncated IDX header (rank ${bytes[3]})`);
  const expected = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims.length;
  const available = bytes.length - start;
  if (available !== expected) {
    throw new Error(`${path}: IDX header says ${dims.join('x')} = ${expected} bytes of data, file has ${available}${available < expected ? ' (truncated)' : ''}`);
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, expected) };
}

export interface ImageSet {
  /** n x 784 pixels scaled to [0, 1] */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  features: number;
}

/** Reads one split ('train' or 't10k') of an MNIST-format folder. */
export function readImageSet(dir: string, split: 'train' | 't10k'): ImageSet {
  // gzipped files first, then raw ones of the same name
  const find = (stem: string) => {
    const gz = join(dir, `${split}-${stem}-ubyte.gz`);
    const raw = join(dir, `${split}-${stem}-ubyte`);
    return existsSync(gz) || !existsSync(raw) ? gz : raw;
  };
  const img = readIdx(find('images-idx3'));
  const lab = readIdx(find('labels-idx1'));
  if (img.dims.length !== 3) throw new Error(`${find('images-idx3')}: expected 3 dimensions (n, rows, cols), got ${img.dims.join('x')}`);
  const [count, rows, cols] = img.dims;
  if (lab.dims.length !== 1 || lab.dims[0] !== count) {
    throw new Error(`${find('labels-idx1')}: ${lab.dims.join('x')} labels for ${count} images`);
  }
  const features = rows * cols;
  const images = new Float32Array(count * features);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i] / 255;
  return { images, labels: lab.data, count, features };
}
