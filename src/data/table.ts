// Reading a user's table: CSV or TSV (gzipped or not) streamed through csv-parse, with the delimiter given or
// detected from the first line, quotes, a byte-order mark and CRLF line ends; a first line of numbers only is
// taken as data (the columns are then named '0', '1', ...). The result is the header and each
// row's cells as strings, with the line each row ends on; what the cells mean is the schema's business
// (schema.ts). A ragged row, an unterminated quote or an unreadable file is an Error naming the file and line.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { BoundedFile, byteSize, gunzipPrefix } from './read.js';
import { parse, CsvError } from 'csv-parse';

export interface TableOptions {
  /** the field delimiter; default: detected from the first line (comma, tab, semicolon or bar), tab for .tsv */
  delimiter?: string;
}

export interface Table {
  /** where it was read from, for messages */
  path: string;
  /** the header's column names ('0', '1', ... for a file without a header) */
  columns: string[];
  /** each data row's cells, as many as columns */
  rows: string[][];
  /** the file line each data row ends on (1-based; the header is line 1) */
  lines: Int32Array;
}

const CANDIDATES = [',', '\t', ';', '|'];
/** A cell that reads as a finite decimal number (no hex, no Infinity). */
export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// the bytes looked at to detect the delimiter (compressed files: their first inflated bytes)
const SNIFF_BYTES = 64 * 1024;

// a table is held in memory whole: its text (inflated, for .gz) may be at most this long, and one row at most
// ROW_MAX_BYTES, so that a file of no end (a link to /dev/zero, a gzip bomb) is refused before it fills the memory
export const TABLE_MAX_BYTES = 1024 ** 3;
const ROW_MAX_BYTES = 1 << 20;

/** The first line of the file's (inflated) text, for detecting the delimiter. */
function firstLine(file: BoundedFile, gzipped: boolean): string {
  let bytes = file.read(0, SNIFF_BYTES);
  if (gzipped) bytes = gunzipPrefix(bytes, file.path, 16 * 1024);
  const text = bytes.subarray(0, SNIFF_BYTES).toString('utf8').replace(/^\uFEFF/, '');
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** Refuses a gzipped file whose text is longer than TABLE_MAX_BYTES, counted as it inflates, without keeping it. */
async function checkInflatedLength(path: string): Promise<void> {
  let length = 0;
  const input = createReadStream(path);
  try {
    for await (const chunk of input.pipe(createGunzip())) {
      length += (chunk as Buffer).length;
      if (length > TABLE_MAX_BYTES) throw new Error(`${path}: inflates to more than the ${byteSize(TABLE_MAX_BYTES)} a table may have`);
    }
  } catch (e) {
    if ((e as Error).message.startsWith(path)) throw e;
    throw new Error(`${path}: corrupt gzip data (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    input.destroy();
  }
}

/** The candidate delimiter that occurs most often outside quotes in the header line (a comma when none does). */
export function detectDelimiter(line: string): string {
  const counts = new Map(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) as number) + 1);
  }
  let best = ',';
  for (const [c, n] of counts) if (n > (counts.get(best) as number)) best = c;
  return best;
}

/** Reads a table file; rejects with an Error naming the file (and the line, where one is at fault). */
export async function readTable(path: string, options: TableOptions = {}): Promise<Table> {
  const gzipped = /\.gz$/i.test(path);
  const file = new BoundedFile(path, TABLE_MAX_BYTES, 'a table');
  let delimiter = options.delimiter;
  try {
    delimiter ??= /\.tsv(\.gz)?$/i.test(path) ? '\t' : detectDelimiter(firstLine(file, gzipped));
  } finally {
    file.close();
  }
  if (gzipped) await checkInflatedLength(path);
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw new Error(`${path}: the delimiter must be a non-empty string`);
  // both line ends, even mixed in one file (csv-parse would otherwise take the first line's for all)
  const parser = parse({ delimiter, record_delimiter: ['\r\n', '\n'], bom: true, trim: true, skip_empty_lines: true, info: true, relax_quotes: false,
    max_record_size: ROW_MAX_BYTES });
  const input = createReadStream(path);
  const source = gzipped ? input.pipe(createGunzip()) : input;
  let columns: string[] | null = null;
  let headerless = false;
  const rows: string[][] = [];
  const lines: number[] = [];
  const fail = (e: unknown): Error => {
    if (e instanceof CsvError) {
      const line = (e as CsvError & { lines?: number }).lines;
      return new Error(`${path}: ${line === undefined ? '' : `line ${line}: `}${describeCsvError(e)}`);
    }
    const code = (e as NodeJS.ErrnoException).code;
    return new Error(`${path}: cannot be read (${code ?? (e as Error).message})`);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      input.on('error', (e) => reject(fail(e)));
      source.on('error', (e: Error) => reject(fail(e)));
      parser.on('error', (e: Error) => reject(fail(e)));
      parser.on('readable', () => {
        let item: { record: string[]; info: { lines: number } } | null;
        while ((item = parser.read()) !== null) {
          if (columns === null) {
            columns = item.record;
            // a first line of numbers only is data, not a header: the columns are then named by index
            if (!item.record.every((c) => NUMBER.test(c) || c === '')) continue;
            columns = item.record.map((_, j) => String(j));
            headerless = true;
          }
          {
            rows.push(item.record);
            lines.push(item.info.lines);
          }
        }
      });
      parser.on('end', () => resolve());
      source.pipe(parser);
    });
  } finally {
    input.destroy();
  }
  if (columns === null) throw new Error(`${path}: is empty (no header line)`);
  const header = columns as string[];
  if (rows.length === 0) throw new Error(`${path}: has a header but no data rows`);
  if (headerless) return { path, columns: header, rows, lines: Int32Array.from(lines) };
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name === '') throw new Error(`${path}: line 1: column ${i + 1} has no name`);
    if (seen.has(name)) throw new Error(`${path}: line 1: two columns are named '${name}'`);
    seen.add(name);
  }
  return { path, columns: header, rows, lines: Int32Array.from(lines) };
}

/** csv-parse's message, made to read as one line about the row. */
function describeCsvError(e: CsvError): string {
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${(e as CsvError & { record?: unknown[] }).record?.length ?? 'a different number of'} fields where the header has ` +
        `${e.message.match(/expect (\d+)/)?.[1] ?? 'another number'} (a missing or extra delimiter?)`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row longer than ${byteSize(ROW_MAX_BYTES)} (not a table's text?)`;
    default:
      return e.message.replace(/^Invalid (Record|Closing Quote): /, '').replace(/ at line \d+.*$/, '').replace(/ on line \d+.*$/, '');
  }
}
