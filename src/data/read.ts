// Bounded reading for every file semigen takes in: only a regular file is opened (a link to /dev/zero, a FIFO or
// a folder is refused before a byte is read), its size is checked against a limit before it is read, and gzip data
// is inflated only up to a limit. A file that breaks a bound is one Error naming it, with memory that stays small.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { gunzipSync, constants as zlib } from 'node:zlib';

/** Bytes as a short figure for messages: 512 B, 64 KiB, 1.5 MiB, 2 GiB. */
export function byteSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : Number(n.toFixed(n < 10 ? 1 : 0))} ${units[u]}`;
}

/**
 * Text from a file, cut to `max` characters for a message, its control characters escaped: a hostile file cannot
 * make a message huge, or more than one line.
 */
export function cut(text: string, max = 60): string {
  const short = text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
  return short.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A value from a file in a message: a string as 'name', anything else as JSON; cut like cut(). */
export function shown(value: unknown, max = 60): string {
  if (typeof value === 'string') return `'${cut(value, max)}'`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = '(nested too deeply to show)';
  }
  return cut(text, max);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function reason(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Checks that `path` (links followed) is a regular file of at most `maxBytes`; `what` names the kind of file in the
 * message ('a checkpoint', 'an IDX file').
 */
function checkRegularFile(path: string, maxBytes: number, what: string): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot be read (${reason(e)})`);
  }
  if (!st.isFile()) throw new Error(`${path}: ${kindOf(st)}, not a regular file`);
  if (st.size > maxBytes) throw new Error(`${path}: ${byteSize(st.size)}, more than the ${byteSize(maxBytes)} ${what} may have`);
}

/** An open regular file, read by offset; opened without blocking (a pipe swapped in after the check cannot hang it). */
export class BoundedFile {
  readonly size: number;
  private fd: number;

  constructor(readonly path: string, maxBytes: number, what: string) {
    checkRegularFile(path, maxBytes, what);
    try {
      this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      throw new Error(`${path}: cannot be read (${reason(e)})`);
    }
    const st = fstatSync(this.fd);
    if (!st.isFile() || st.size > maxBytes) {
      closeSync(this.fd);
      throw new Error(`${path}: changed while being opened; not read`);
    }
    this.size = st.size;
  }

  /** `length` bytes from `offset` (fewer only at the end of the file), in an ArrayBuffer of their own. */
  read(offset: number, length: number): Buffer {
    const out = Buffer.from(new ArrayBuffer(Math.max(0, Math.min(length, this.size - offset))));
    let done = 0;
    while (done < out.length) {
      let n: number;
      try {
        n = readSync(this.fd, out, done, out.length - done, offset + done);
      } catch (e) {
        throw new Error(`${this.path}: cannot be read (${reason(e)})`);
      }
      if (n === 0) throw new Error(`${this.path}: shrank while being read (${offset + done} of ${this.size} bytes)`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** The whole of a regular file of at most `maxBytes`. */
export function readFileBounded(path: string, maxBytes: number, what: string): Buffer {
  const file = new BoundedFile(path, maxBytes, what);
  try {
    return file.read(0, file.size);
  } finally {
    file.close();
  }
}

/** A regular text file of at most `maxBytes`, as UTF-8. */
export function readTextBounded(path: string, maxBytes: number, what: string): string {
  return readFileBounded(path, maxBytes, what).toString('utf8');
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** gzip data inflated, refusing (without holding more than `maxBytes`) data that would inflate to more; `limit` says what the bound is. */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number, path: string, limit: string): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new Error(`${path}: inflates to more than ${limit}`);
    }
    throw new Error(`${path}: corrupt gzip data (${(e as Error).message})`);
  }
}

/**
 * What the first `compressed` bytes of gzip data inflate to (deflate's ratio bounds it: about 1032 to 1), for reading
 * a header; a cut stream gives what it has.
 */
export function gunzipPrefix(bytes: Uint8Array, path: string, compressed = 1024): Buffer {
  try {
    return gunzipSync(bytes.subarray(0, Math.min(bytes.length, compressed)),
      { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: compressed * 1032 + 65536 });
  } catch (e) {
    throw new Error(`${path}: corrupt gzip data (${(e as Error).message})`);
  }
}

// a run's JSON files (config, schema, label rows) are kilobytes to a few megabytes; its metrics.jsonl grows by a line
// an epoch and an interval
export const JSON_MAX_BYTES = 64 << 20;
export const METRICS_MAX_BYTES = 512 << 20;

/** A JSON file of at most `maxBytes`, parsed; a file that is not JSON is an Error naming it, with the parser's reason cut short. */
export function readJsonBounded(path: string, what: string, maxBytes = JSON_MAX_BYTES): unknown {
  const text = readTextBounded(path, maxBytes, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${e instanceof RangeError ? 'nested too deeply' : cut((e as Error).message, 100)})`);
  }
}
