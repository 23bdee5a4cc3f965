// Pictures of images as PNG files, encoded by our own code: 8-bit grayscale, each scanline with filter 0, the rows
// deflated by node:zlib, chunks checksummed with its crc32. imageGrid tiles images (pixels in [0, 1]) in rows;
// reconstructionGrid puts each row of originals above the row of their reconstructions.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** the gray of the padding between tiles: tells black image borders apart from the gaps */
const PAD_VALUE = 128;

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG file of a width x height 8-bit grayscale image given row by row. */
export function encodePng(pixels: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 ||
    width > 0x7fffffff || height > 0x7fffffff) {
    throw new Error(`png: width and height must be positive integers, got ${width} x ${height}`);
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height) {
    throw new Error(`png: a ${width} x ${height} image needs ${width * height} bytes of pixels, got ${pixels?.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // color type: grayscale
  // compression 0 (deflate), filter method 0, no interlace: the zeros already there
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter type None
    raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

function checkTiles(what: string, images: Float32Array, count: number, width: number, height: number): void {
  if (!(images instanceof Float32Array)) throw new Error(`${what}: images must be a Float32Array`);
  for (const [name, v] of [['count', count], ['width', width], ['height', height]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  if (images.length < count * width * height) {
    throw new Error(`${what}: ${count} images of ${width} x ${height} need ${count * width * height} values, got ${images.length}`);
  }
}

/** Lays out tiles (each a list of images drawn into one grid cell row-wise) and encodes the PNG. */
function drawGrid(tiles: (Float32Array | null)[], rows: number, columns: number, width: number, height: number,
  padding: number): Buffer {
  const W = columns * width + (columns + 1) * padding;
  const H = rows * height + (rows + 1) * padding;
  const pixels = new Uint8Array(W * H).fill(PAD_VALUE);
  tiles.forEach((tile, t) => {
    if (tile === null) return;
    const left = padding + (t % columns) * (width + padding);
    const top = padding + Math.floor(t / columns) * (height + padding);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = tile[y * width + x];
        // NaN paints black; values outside [0, 1] are clamped
        pixels[(top + y) * W + left + x] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
      }
    }
  });
  return encodePng(pixels, W, H);
}

function checkLayout(what: string, columns: number, padding: number): void {
  if (!Number.isSafeInteger(columns) || columns < 1) throw new Error(`${what}: columns must be a positive integer, got ${columns}`);
  if (!Number.isSafeInteger(padding) || padding < 0) throw new Error(`${what}: padding must be an integer >= 0, got ${padding}`);
}

/**
 * A PNG of `count` images (row-major, width x height each, values in [0, 1]) in a grid of `columns` columns with
 * `padding` gray pixels around every tile.
 */
export function imageGrid(images: Float32Array, count: number, width = 28, height = 28,
  columns = Math.ceil(Math.sqrt(count)), padding = 2): Buffer {
  checkTiles('imageGrid', images, count, width, height);
  checkLayout('imageGrid', columns, padding);
  const size = width * height;
  const tiles = Array.from({ length: count }, (_, i) => images.subarray(i * size, (i + 1) * size));
  return drawGrid(tiles, Math.ceil(count / columns), columns, width, height, padding);
}

/** A PNG of originals and their reconstructions: each row of `columns` originals sits above their reconstructions. */
export function reconstructionGrid(originals: Float32Array, reconstructions: Float32Array, count: number, width = 28,
  height = 28, columns = Math.min(count, 10), padding = 2): Buffer {
  checkTiles('reconstructionGrid', originals, count, width, height);
  checkTiles('reconstructionGrid', reconstructions, count, width, height);
  checkLayout('reconstructionGrid', columns, padding);
  const size = width * height;
  const pairs = Math.ceil(count / columns);
  const tiles: (Float32Array | null)[] = [];
  for (let r = 0; r < pairs; r++) {
    for (const source of [originals, reconstructions]) {
      for (let c = 0; c < columns; c++) {
        const i = r * columns + c;
        tiles.push(i < count ? source.subarray(i * size, (i + 1) * size) : null);
      }
    }
  }
  return drawGrid(tiles, 2 * pairs, columns, width, height, padding);
}
