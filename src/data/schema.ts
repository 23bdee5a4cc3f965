// A table's schema, fitted on the training rows and saved with the run: each column's type (numeric, binary,
// categorical with its categories, or ignored: constant or identifier-like), the numeric columns' scaling
// (standardised, or robust: median and interquartile range for heavy tails; a column whose numbers all lie in
// [0, 1] is kept as it is, for a Bernoulli likelihood), the label column and its classes in a fixed order, and
// the cells read as missing. encodeTable applies it to any table with those columns (matched by name, so
// reordered columns are no shifted columns): numbers scaled, categories one-hot, missing entries NaN (the models
// mask them out of their losses and read them as 0, which is the training rows' mean or median), labels as class
// indices (NaN for an unlabelled row). An unseen category, a missing column, a label that is no known class or a
// cell that is no number in a numeric column is an Error naming file, line and column. decodeRows turns a model's
// outputs back into the table's own cells.
import { NUMBER, type Table } from './table.js';

export type ColumnSchema =
  /**
   * encoded z = (value - center) / scale, then beyond ±tail compressed logarithmically (compressTail; null: not);
   * integer: every training value was a whole number (decoded rounded)
   */
  | { name: string; type: 'numeric'; center: number; scale: number; tail: number | null; integer: boolean }
  /** numbers that all lay in [0, 1] on the training rows (pixels, proportions): kept as they are, Bernoulli */
  | { name: string; type: 'unit' }
  /** encoded 0 for values[0], 1 for values[1] */
  | { name: string; type: 'binary'; values: [string, string] }
  | { name: string; type: 'categorical'; categories: string[] }
  | { name: string; type: 'ignored'; reason: string };

export interface TableSchema {
  format: 'semigen-table-schema-1';
  /** every column but the label's, in the training file's order */
  columns: ColumnSchema[];
  /** the label column and its classes (class i is classes[i]); null when the table has none */
  label: { name: string; classes: string[] } | null;
  /** cells read as missing */
  missing: string[];
  scaling: 'standard' | 'robust';
}

export interface SchemaOptions {
  /** the label column's name or 0-based index; default: a column named 'label' or 'class', else none */
  labelColumn?: string | number;
  /** cells read as missing (default: empty, NA, NaN, nan, N/A, ?, null) */
  missing?: string[];
  /** numeric columns: 'standard' (mean, standard deviation; default) or 'robust' (median, IQR / 1.349) */
  scaling?: 'standard' | 'robust';
  /** scaled values beyond ±tail grow only logarithmically (default 3; null: left as they are) */
  tail?: number | null;
  /** told of every column left out and why (default: none) */
  onWarning?: (message: string) => void;
}

/** How the encoded columns group, for a decoder's likelihoods: [start, end) of each column family. */
export interface EncodedLayout {
  features: number;
  families: { kind: 'gaussian' | 'bernoulli' | 'categorical'; column: string; start: number; end: number }[];
}

export const DEFAULT_MISSING = ['', 'NA', 'NaN', 'nan', 'N/A', '?', 'null'];
/**
 * Where a scaled value's growth turns logarithmic. Heavy-tailed columns (the shuttle table's reach 109 standard
 * deviations) otherwise feed the networks inputs and reconstruction targets so large that a VAE's loss overflows;
 * within ±3 a value is left alone, so a roughly normal column is all but untouched (0.3% of its values lie beyond).
 */
export const DEFAULT_TAIL = 3;

/** z within ±tail as it is, beyond it sign(z) (tail + log(1 + |z| − tail)): continuous, smooth, monotonic, invertible. */
export function compressTail(z: number, tail: number | null): number {
  if (tail === null || !(Math.abs(z) > tail)) return z;
  return Math.sign(z) * (tail + Math.log1p(Math.abs(z) - tail));
}

/** The inverse of compressTail. */
export function expandTail(v: number, tail: number | null): number {
  if (tail === null || !(Math.abs(v) > tail)) return v;
  return Math.sign(v) * (tail + Math.expm1(Math.abs(v) - tail));
}
// identifier-like: as many distinct values as rows, on tables big enough for that to be telling
const MIN_ROWS_FOR_ID = 20;

// '1e999' has a number's form but no finite value
const isNumber = (cell: string): boolean => NUMBER.test(cell) && Number.isFinite(Number(cell));

/** The label column's index, or -1 for none. */
function labelIndex(table: Table, labelColumn: string | number | undefined): number {
  if (labelColumn === undefined) return table.columns.findIndex((c) => c === 'label' || c === 'class');
  const byName = table.columns.indexOf(String(labelColumn));
  if (byName >= 0) return byName;
  const i = typeof labelColumn === 'number' ? labelColumn : /^\d+$/.test(labelColumn) ? Number(labelColumn) : NaN;
  if (!(Number.isInteger(i) && i >= 0 && i < table.columns.length)) {
    throw new Error(`${table.path}: no label column ${JSON.stringify(labelColumn)} (columns: ${table.columns.join(', ')})`);
  }
  return i;
}

/** Sorted the way a person expects: numerically when every value is a number, else as strings. */
function sortValues(values: Iterable<string>): string[] {
  const all = [...values];
  return all.every(isNumber) ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

function quantile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}

/** One column's schema from its training cells (missing ones already left out, each with its row). */
function fitColumn(table: Table, name: string, cells: string[], rows: number[], scaling: 'standard' | 'robust', tail: number | null):
  ColumnSchema {
  const distinct = new Set(cells);
  if (distinct.size === 0) return { name, type: 'ignored', reason: 'every cell is missing' };
  if (distinct.size === 1) return { name, type: 'ignored', reason: `every cell is '${cells[0]}'` };
  if (distinct.size === 2) return { name, type: 'binary', values: sortValues(distinct) as [string, string] };
  const numeric = cells.filter(isNumber).length;
  if (numeric >= 0.9 * cells.length && numeric < cells.length) {
    const bad = cells.findIndex((c) => !isNumber(c));
    throw new Error(`${table.path}: line ${table.lines[rows[bad]]}, column '${name}': '${cells[bad]}' is not a number, ` +
      'in a column of numbers (mark missing cells with one of the missing markers)');
  }
  const idLike = distinct.size === cells.length && cells.length >= MIN_ROWS_FOR_ID;
  if (numeric === cells.length) {
    const values = Float64Array.from(cells, Number);
    if (idLike && values.every((v, i) => Number.isInteger(v) && (i === 0 || v > values[i - 1]))) {
      return { name, type: 'ignored', reason: 'its values count up row by row, like an identifier' };
    }
    if (values.every((v) => v >= 0 && v <= 1)) return { name, type: 'unit' };
    const rms = (c: number): number => Math.sqrt(values.reduce((a, v) => a + (v - c) ** 2, 0) / values.length);
    const sorted = Float64Array.from(values).sort();
    let center: number;
    let scale: number;
    if (scaling === 'robust') {
      center = quantile(sorted, 0.5);
      scale = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349;
    } else {
      center = values.reduce((a, v) => a + v, 0) / values.length;
      scale = rms(center);
    }
    // a robust scale of 0 (most values equal) falls back to the root mean square deviation from the median
    if (!(scale > 0)) scale = rms(center) || 1;
    return { name, type: 'numeric', center, scale, tail, integer: values.every(Number.isInteger) };
  }
  if (idLike) return { name, type: 'ignored', reason: 'every row has its own value, like an identifier' };
  return { name, type: 'categorical', categories: sortValues(distinct) };
}

/** The schema of a training table. */
export function fitSchema(table: Table, options: SchemaOptions = {}): TableSchema {
  const missing = options.missing ?? DEFAULT_MISSING;
  const scaling = options.scaling ?? 'standard';
  if (scaling !== 'standard' && scaling !== 'robust') throw new Error(`scaling must be 'standard' or 'robust', got ${String(scaling)}`);
  const tail = options.tail === undefined ? DEFAULT_TAIL : options.tail;
  if (tail !== null && !(typeof tail === 'number' && tail > 0 && Number.isFinite(tail))) {
    throw new Error(`tail must be a positive number or null, got ${String(tail)}`);
  }
  const isMissing = new Set(missing);
  const li = labelIndex(table, options.labelColumn);
  const columns: ColumnSchema[] = [];
  for (const [j, name] of table.columns.entries()) {
    if (j === li) continue;
    const cells: string[] = [];
    const rows: number[] = [];
    table.rows.forEach((row, r) => {
      if (!isMissing.has(row[j])) {
        cells.push(row[j]);
        rows.push(r);
      }
    });
    columns.push(fitColumn(table, name, cells, rows, scaling, tail));
  }
  const ignored = columns.filter((c): c is Extract<ColumnSchema, { type: 'ignored' }> => c.type === 'ignored');
  if (ignored.length > 0) {
    // one line, however many columns (an image's constant border pixels would otherwise be hundreds)
    const shown = ignored.slice(0, 5).map((c) => `'${c.name}' (${c.reason})`).join(', ');
    options.onWarning?.(`${table.path}: ${ignored.length === 1 ? 'column' : `${ignored.length} columns`} left out: ${shown}` +
      `${ignored.length > 5 ? `, and ${ignored.length - 5} more` : ''}`);
  }
  if (!columns.some((c) => c.type !== 'ignored')) throw new Error(`${table.path}: no column is left to learn from`);
  let label: TableSchema['label'] = null;
  if (li >= 0) {
    const classes = sortValues(new Set(table.rows.map((row) => row[li]).filter((c) => !isMissing.has(c))));
    label = { name: table.columns[li], classes };
  }
  return { format: 'semigen-table-schema-1', columns, label, missing: [...missing], scaling };
}

/**
 * A schema that keeps every cell's number as it is (no scaling, no categories), for a model trained on images or
 * arrays whose inputs were never scaled: each column but the label's is kept as is; the label column (by name or
 * index; default 'label' or 'class') holds class indices 0..classes-1.
 */
export function rawSchema(table: Table, options: { labelColumn?: string | number; classes: number }): TableSchema {
  const li = labelIndex(table, options.labelColumn);
  const columns: ColumnSchema[] = table.columns.filter((_, j) => j !== li).map((name) => ({ name, type: 'unit' }));
  if (columns.length === 0) throw new Error(`${table.path}: no feature columns (only the label column)`);
  const label = li < 0 ? null : { name: table.columns[li], classes: Array.from({ length: options.classes }, (_, c) => String(c)) };
  return { format: 'semigen-table-schema-1', columns, label, missing: [...DEFAULT_MISSING], scaling: 'standard' };
}

/** The encoded columns' layout: one column per numeric or binary column, one per category of a categorical one. */
export function encodedLayout(schema: TableSchema): EncodedLayout {
  const families: EncodedLayout['families'] = [];
  let at = 0;
  for (const c of schema.columns) {
    const width = c.type === 'categorical' ? c.categories.length : c.type === 'ignored' ? 0 : 1;
    if (width === 0) continue;
    const kind = c.type === 'numeric' ? 'gaussian' : c.type === 'categorical' ? 'categorical' : 'bernoulli';
    families.push({ kind, column: c.name, start: at, end: at + width });
    at += width;
  }
  return { features: at, families };
}

/**
 * A table encoded by a schema: x [count, features] row-major (missing entries NaN), labels (class indices; NaN
 * where the row has no label or the table no label column). unseen: an unseen category is an Error ('error',
 * the default) or a missing entry ('missing').
 */
export function encodeTable(schema: TableSchema, table: Table, options: { unseen?: 'error' | 'missing' } = {}):
  { x: Float32Array; labels: Float32Array; count: number; features: number } {
  const { features } = encodedLayout(schema);
  const index = new Map(table.columns.map((name, j) => [name, j]));
  const used = schema.columns.filter((c) => c.type !== 'ignored');
  const absent = used.filter((c) => !index.has(c.name)).map((c) => c.name);
  if (absent.length > 0) throw new Error(`${table.path}: has no column ${absent.map((n) => `'${n}'`).join(', ')}, which the run's schema uses`);
  const isMissing = new Set(schema.missing);
  const count = table.rows.length;
  const x = new Float32Array(count * features);
  const labels = new Float32Array(count).fill(NaN);
  const where = (r: number, name: string): string => `${table.path}: line ${table.lines[r]}, column '${name}'`;
  let at = 0;
  for (const c of used) {
    const j = index.get(c.name) as number;
    const codes = c.type === 'categorical' ? new Map(c.categories.map((v, k) => [v, k]))
      : c.type === 'binary' ? new Map(c.values.map((v, k) => [v, k])) : null;
    const width = c.type === 'categorical' ? c.categories.length : 1;
    for (let r = 0; r < count; r++) {
      const cell = table.rows[r][j];
      const out = r * features + at;
      let code = -1;
      if (!isMissing.has(cell) && (c.type === 'numeric' || c.type === 'unit')) {
        if (!isNumber(cell)) throw new Error(`${where(r, c.name)}: '${cell}' is not a number`);
        x[out] = c.type === 'unit' ? Number(cell) : compressTail((Number(cell) - c.center) / c.scale, c.tail);
        continue;
      }
      if (!isMissing.has(cell)) {
        code = (codes as Map<string, number>).get(cell) ?? -1;
        if (code < 0 && options.unseen !== 'missing') {
          throw new Error(`${where(r, c.name)}: '${cell}' was not among the training rows' values ` +
            `(${[...(codes as Map<string, number>).keys()].slice(0, 10).join(', ')}${codes!.size > 10 ? ', ...' : ''})`);
        }
      }
      if (code < 0) x.fill(NaN, out, out + width); // missing, or an unseen category read as missing
      else if (c.type === 'binary') x[out] = code;
      else x[out + code] = 1;
    }
    at += width;
  }
  if (schema.label !== null && index.has(schema.label.name)) {
    const j = index.get(schema.label.name) as number;
    const classes = new Map(schema.label.classes.map((v, k) => [v, k]));
    for (let r = 0; r < count; r++) {
      const cell = table.rows[r][j];
      if (isMissing.has(cell)) continue;
      const k = classes.get(cell);
      if (k === undefined) throw new Error(`${where(r, schema.label.name)}: label '${cell}' is no class of the training rows (${schema.label.classes.join(', ')})`);
      labels[r] = k;
    }
  }
  return { x, labels, count, features };
}

/** A number as a table cell: rounded for a column of whole numbers, else to 6 significant digits. */
function numberCell(v: number, integer: boolean): string {
  if (!Number.isFinite(v)) return '';
  return integer ? String(Math.round(v)) : String(Number(v.toPrecision(6)));
}

/**
 * Encoded rows (a model's means: scaled numbers, probabilities for binary and [0, 1] columns, a distribution over
 * each categorical column's categories) back in the table's own terms: numbers unscaled, categories as their
 * strings. Without `draw`, a binary or categorical cell is its most likely value; with it (uniform numbers in
 * [0, 1)), a value drawn from the model's probabilities, as synthetic rows need. A NaN entry gives an empty cell.
 */
export function decodeRows(schema: TableSchema, x: Float32Array, count: number, draw: (() => number) | null = null):
  { columns: string[]; rows: string[][] } {
  const { features } = encodedLayout(schema);
  if (x.length !== count * features) throw new Error(`decodeRows: ${x.length} values are not ${count} rows of ${features}`);
  const used = schema.columns.filter((c) => c.type !== 'ignored');
  const rows: string[][] = [];
  for (let r = 0; r < count; r++) {
    const row: string[] = [];
    let at = r * features;
    for (const c of used) {
      const v = x[at];
      if (c.type === 'numeric') row.push(numberCell(c.center + expandTail(v, c.tail) * c.scale, c.integer));
      else if (c.type === 'unit') row.push(numberCell(Math.min(1, Math.max(0, v)), false));
      else if (c.type === 'binary') row.push(Number.isNaN(v) ? '' : c.values[(draw === null ? v >= 0.5 : draw() < v) ? 1 : 0]);
      if (c.type === 'categorical') {
        const p = x.subarray(at, at + c.categories.length);
        let pick = -1;
        if (draw === null) {
          for (let k = 0; k < p.length; k++) if (p[k] > (pick < 0 ? -Infinity : p[pick])) pick = k;
        } else {
          let u = draw() * p.reduce((a, b) => a + (b > 0 ? b : 0), 0);
          for (let k = 0; k < p.length && pick < 0; k++) if ((u -= Math.max(0, p[k])) < 0) pick = k;
          if (pick < 0) pick = p.length - 1; // rounding left u at the very top
        }
        row.push(pick < 0 ? '' : c.categories[pick]);
        at += c.categories.length;
      } else {
        at++;
      }
    }
    rows.push(row);
  }
  return { columns: used.map((c) => c.name), rows };
}

/** Rows as CSV text: a header, cells quoted where they hold a comma, a quote or a line break. */
export function csvText(columns: string[], rows: string[][]): string {
  const cell = (s: string): string => (/[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s);
  return `${[columns, ...rows].map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

/**
 * The likelihood a table's columns call for, as a model's likelihood option: Bernoulli when every column is binary
 * or in [0, 1], a Gaussian (learned variance) when every one is numeric, else a mix of column families.
 */
export function tableLikelihood(schema: TableSchema):
  { kind: 'bernoulli' } | { kind: 'gaussian'; variance: 'learned' } | { kind: 'mixed'; families: { kind: string; start: number; end: number }[] } {
  const { families } = encodedLayout(schema);
  if (families.every((f) => f.kind === 'bernoulli')) return { kind: 'bernoulli' };
  if (families.every((f) => f.kind === 'gaussian')) return { kind: 'gaussian', variance: 'learned' };
  return { kind: 'mixed', families: families.map(({ kind, start, end }) => ({ kind, start, end })) };
}
