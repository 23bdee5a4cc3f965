// Reader for users' own CSV files: comma-separated numbers, an optional header row, an optional label column
// (an empty cell there = an unlabelled row). Empty feature cells (or NaN) are missing values, read as NaN.
// Every problem is an Error naming the file, and the line and column where there is one.
import { readFileSync, statSync } from 'node:fs';
import { labelProblem, makeSplit, type DataSplit } from './dataset.js';

export interface CsvOptions {
  /**
   * The label column: a header name or a 0-based index (a string of digits counts as an index when no header
   * cell has that name). Default: the column named 'label' when the header has one, else no labels.
   */
  labelColumn?: string | number;
}

// the longest string V8 makes (~512 MiB): larger files cannot be read as one string
const MAX_CSV_BYTES = 0x1fffffe8;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function isMissing(cell: string): boolean {
  return cell === '' || cell === 'NaN' || cell === 'nan' || cell === 'NAN';
}

/** The fields of one line; double quotes may wrap a field ("" inside is a quote). */
function splitLine(line: string, path: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(',').map((c) => c.trim());
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`${path}: line ${lineNo}: unterminated quoted field`);
        cell += line.slice(i, q);
        i = q + 1;
        if (line[i] !== '"') break;
        cell += '"';
        i++;
      }
      const comma = line.indexOf(',', i);
      const rest = line.slice(i, comma < 0 ? line.length : comma).trim();
      if (rest !== '') throw new Error(`${path}: line ${lineNo}: text after a closing quote`);
      i = comma < 0 ? line.length : comma;
    } else {
      const comma = line.indexOf(',', i);
      cell = line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? line.length : comma;
    }
    cells.push(cell.trim());
    if (i >= line.length) return cells;
    i++; // past the comma
  }
}

function readText(path: string): string {
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_CSV_BYTES) throw new Error(`${path}: too large to read as CSV (over 512 MiB); save it as .npy`);
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte-order mark is not part of the first cell
}

function labelIndex(path: string, option: string | number | undefined, header: string[] | null, columns: number): number {
  if (option === undefined) return header ? header.indexOf('label') : -1;
  if (typeof option === 'string' && header?.includes(option)) return header.indexOf(option);
  const index = typeof option === 'number' ? option : /^\d+$/.test(option) ? Number(option) : NaN;
  if (Number.isNaN(index)) {
    const has = header ? `columns: ${header.join(', ')}` : 'the file has no header row';
    throw new Error(`${path}: no label column named '${option}' (${has})`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= columns) {
    throw new Error(`${path}: label column ${option} is out of range (the file has ${columns} columns, counted from 0)`);
  }
  return index;
}

/** Reads a CSV file into a DataSplit (features as float32, labels NaN where absent). */
export function readCsvDataset(path: string, options: CsvOptions = {}): DataSplit {
  const lines = readText(path).split('\n');
  let end = lines.length;
  for (const [i, line] of lines.entries()) if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  while (end > 0 && lines[end - 1].trim() === '') end--; // trailing blank lines; blank lines inside are rows
  if (end === 0) throw new Error(`${path}: empty file`);

  const first = splitLine(lines[0], path, 1);
  // a header row is one with a cell that is neither a number nor empty / NaN
  const header = first.some((c) => !isMissing(c) && !NUMBER.test(c)) ? first : null;
  const columns = first.length;
  const label = labelIndex(path, options.labelColumn, header, columns);
  const features = columns - (label >= 0 ? 1 : 0);
  if (features < 1) throw new Error(`${path}: no feature columns (only the label column)`);
  const start = header ? 1 : 0;
  const rows = end - start;
  if (rows < 1) throw new Error(`${path}: no data rows after the header`);

  const x = new Float32Array(rows * features);
  const labels = new Float32Array(rows).fill(NaN);
  const columnName = (c: number) => `column ${c + 1}${header ? ` (${header[c]})` : ''}`;
  for (let r = 0; r < rows; r++) {
    const lineNo = start + r + 1;
    const cells = splitLine(lines[start + r], path, lineNo);
    if (cells.length !== columns) {
      throw new Error(`${path}: line ${lineNo} has ${cells.length} fields, expected ${columns} (as in line 1)`);
    }
    let k = r * features;
    for (let c = 0; c < columns; c++) {
      const cell = cells[c];
      const value = isMissing(cell) ? NaN : NUMBER.test(cell) ? Number(cell) : undefined;
      if (value === undefined || value === Infinity || value === -Infinity) {
        throw new Error(`${path}: line ${lineNo}, ${columnName(c)}: '${cell}' is not a ${value === undefined ? '' : 'finite '}number`);
      }
      if (c === label) {
        const problem = labelProblem(value);
        if (problem) throw new Error(`${path}: line ${lineNo}, ${columnName(c)}: ${problem}`);
        labels[r] = value;
      } else {
        x[k++] = value;
      }
    }
  }
  return makeSplit(x, labels, features, path);
}
