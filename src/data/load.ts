// Loading a dataset into memory: the named ones (MNIST, Fashion-MNIST: found as resolve.ts says, else downloaded
// into the cache) with their standard train/test split, and users' own files: tables (CSV, TSV, gzipped or not)
// encoded by a schema fitted on the training file (or a run's saved one), or .npy arrays; either with an optional
// separate test file read the same way.
import { extname, join } from 'node:path';
import { classCount, labelProblem, makeSplit, type DataSplit, type LabelledData } from './dataset.js';
import { readImageSet, type ImageSet } from './idx.js';
import { cacheRoot, checkDatasetName, findDataset, isDatasetName, resolveDataset } from './resolve.js';
import { downloadDataset, type DatasetDownloadOptions } from './download.js';
import { readTable, type TableOptions } from './table.js';
import { encodeTable, fitSchema, type SchemaOptions, type TableSchema } from './schema.js';
import { readNpy, type NpyArray } from './npy.js';

export interface NamedDatasetOptions extends DatasetDownloadOptions {
  /** the folder given with --data: the only place looked when set (no download) */
  dataDir?: string;
  /** download into the cache when the files are nowhere else (default true) */
  download?: boolean;
}

export interface FileDatasetOptions extends TableOptions, Omit<SchemaOptions, 'labelColumn'> {
  /** a table: the label column's name or 0-based index (default: 'label' or 'class'); .npy: a 0-based column index */
  labelColumn?: string | number;
  /** a separate .npy of labels, one per row (shape (n) or (n, 1)); NaN = unlabelled */
  labelsPath?: string;
  /** a separate file of labelled rows, read like the training file, as the test split */
  test?: string;
  /** a table: encode with this schema (a run's) rather than one fitted on the file */
  schema?: TableSchema;
}

/** A table file by its name: .csv, .tsv or .txt, gzipped or not. */
export function isTablePath(path: string): boolean {
  return /\.(csv|tsv|txt)(\.gz)?$/i.test(path);
}

function toSplit(set: ImageSet, where: string): DataSplit {
  return makeSplit(set.images, Float32Array.from(set.labels), set.features, where);
}

/** MNIST or Fashion-MNIST with the standard 60k/10k split, pixels in [0, 1], labels as floats. */
export async function loadNamedDataset(name: string, options: NamedDatasetOptions = {}): Promise<LabelledData> {
  const dataset = checkDatasetName(name);
  let dir = findDataset(dataset, options.dataDir);
  if (!dir) {
    if (options.dataDir || options.download === false) resolveDataset(dataset, options.dataDir); // throws, naming the places
    dir = join(cacheRoot(), dataset);
    await downloadDataset(dataset, dir, options);
  }
  const train = toSplit(readImageSet(dir, 'train'), `${dir} (train)`);
  const test = toSplit(readImageSet(dir, 't10k'), `${dir} (t10k)`);
  if (train.features !== test.features) {
    throw new Error(`${dir}: train images have ${train.features} pixels, t10k images ${test.features}`);
  }
  return { name: dataset, train, test, classes: classCount(train.labels, test.labels) };
}

/** The labels column `column` of a 2-D .npy array, and the remaining columns as features. */
function splitColumn(path: string, array: NpyArray, column: number): { x: Float32Array; labels: Float32Array; features: number } {
  const [rows, columns] = array.shape;
  if (!Number.isInteger(column) || column < 0 || column >= columns) {
    throw new Error(`${path}: label column ${column} is out of range (the array has ${columns} columns, counted from 0)`);
  }
  const features = columns - 1;
  if (features < 1) throw new Error(`${path}: no feature columns (only the label column)`);
  const x = new Float32Array(rows * features);
  const labels = new Float32Array(rows);
  const scale = array.dtype === 'uint8' ? 1 / 255 : 1;
  const d = array.data;
  for (let r = 0, k = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const v = d[r * columns + c];
      if (c === column) labels[r] = v;
      else x[k++] = v * scale;
    }
  }
  return { x, labels, features };
}

function checkLabels(path: string, labels: Float32Array): Float32Array {
  for (let i = 0; i < labels.length; i++) {
    const problem = labelProblem(labels[i]);
    if (problem) throw new Error(`${path}: row ${i}: ${problem}`);
  }
  return labels;
}

/**
 * Features must be finite, as in a table (where NaN is a missing value, as here): an infinity, or a float64 beyond
 * float32's range, would stop training at its first step.
 */
function checkFinite(path: string, x: Float32Array, features: number): Float32Array {
  const i = x.findIndex((v) => v === Infinity || v === -Infinity);
  if (i >= 0) {
    throw new Error(`${path}: row ${Math.floor(i / features)}, feature ${i % features} is infinite (or a float64 beyond float32's ` +
      'range); features must be finite numbers (NaN for a missing one)');
  }
  return x;
}

function readNpyDataset(path: string, options: FileDatasetOptions): DataSplit {
  const array = readNpy(path);
  if (array.shape.length !== 2) throw new Error(`${path}: expected a 2-D array (rows, features), got shape (${array.shape.join(', ')})`);
  if (!['float32', 'float64', 'uint8'].includes(array.dtype)) {
    throw new Error(`${path}: features of dtype ${array.dtype} are not supported (float32, float64 or uint8; convert with astype)`);
  }
  const [rows, columns] = array.shape;
  if (options.labelColumn !== undefined) {
    const column = typeof options.labelColumn === 'number' ? options.labelColumn
      : /^\d+$/.test(options.labelColumn) ? Number(options.labelColumn) : NaN;
    if (Number.isNaN(column)) throw new Error(`${path}: a .npy label column is a 0-based index, got '${options.labelColumn}'`);
    const { x, labels, features } = splitColumn(path, array, column);
    return makeSplit(checkFinite(path, x, features), checkLabels(`${path} (column ${column})`, labels), features, path);
  }
  // uint8 is taken as pixels (scaled to [0, 1]); float data is kept as it is
  const x = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
  if (array.dtype === 'uint8') for (let i = 0; i < x.length; i++) x[i] /= 255;
  return makeSplit(checkFinite(path, x, columns), new Float32Array(rows).fill(NaN), columns, path);
}

function readLabelsFile(labelsPath: string, rows: number, dataPath: string): Float32Array {
  if (extname(labelsPath).toLowerCase() !== '.npy') throw new Error(`${labelsPath}: a labels file must be .npy`);
  const array = readNpy(labelsPath);
  const [n, width = 1] = array.shape;
  if (array.shape.length < 1 || array.shape.length > 2 || width !== 1) {
    throw new Error(`${labelsPath}: expected labels of shape (n) or (n, 1), got (${array.shape.join(', ')})`);
  }
  if (n !== rows) throw new Error(`${labelsPath}: ${n} labels for the ${rows} rows of ${dataPath}`);
  return checkLabels(labelsPath, Float32Array.from(array.data));
}

/** Every row of a test file must say its class: a test error over rows without one would divide by the wrong rows. */
function checkAllLabelled(path: string, labels: Float32Array, lines?: Int32Array): void {
  const r = labels.findIndex((l) => Number.isNaN(l));
  if (r >= 0) throw new Error(`${path}: ${lines === undefined ? `row ${r + 1}` : `line ${lines[r]}`} has no label; every row of a test file needs one`);
}

/** A table file: its schema (given, or fitted on it) and its rows encoded by it; with options.test, the test file too. */
async function loadTableDataset(path: string, options: FileDatasetOptions): Promise<LabelledData> {
  if (options.labelsPath !== undefined) throw new Error(`${path}: a labels file goes with a .npy array; a table has its label column`);
  const table = await readTable(path, options);
  const schema = options.schema ?? fitSchema(table, options);
  const train = encodeTable(schema, table);
  let test: DataSplit | null = null;
  if (options.test !== undefined) {
    if (!isTablePath(options.test)) throw new Error(`${options.test}: a test file for a table must be a table too (.csv, .tsv, .txt)`);
    if (schema.label === null) throw new Error(`${path}: has no label column, so the test file ${options.test} cannot be scored`);
    const testTable = await readTable(options.test, { delimiter: options.delimiter });
    if (!testTable.columns.includes(schema.label.name)) {
      throw new Error(`${options.test}: has no label column '${schema.label.name}' (its columns: ${testTable.columns.join(', ')})`);
    }
    const encoded = encodeTable(schema, testTable);
    checkAllLabelled(options.test, encoded.labels, testTable.lines);
    test = makeSplit(encoded.x, encoded.labels, encoded.features, options.test);
  }
  return {
    name: path, train: makeSplit(train.x, train.labels, train.features, path), test,
    classes: schema.label?.classes.length ?? 0, schema,
  };
}

/** A .npy array (labels from a column or a labels file); options.test: a test array with labels the same way. */
function loadNpyDataset(path: string, options: FileDatasetOptions): LabelledData {
  if (options.labelColumn !== undefined && options.labelsPath !== undefined) {
    throw new Error(`${path}: give a label column or a labels file, not both`);
  }
  let train = readNpyDataset(path, options);
  if (options.labelsPath !== undefined) {
    if (train.labels.some((l) => !Number.isNaN(l))) throw new Error(`${path}: has a label column and a labels file was given too`);
    train = { ...train, labels: readLabelsFile(options.labelsPath, train.count, path) };
  }
  let test: DataSplit | null = null;
  if (options.test !== undefined) {
    if (extname(options.test).toLowerCase() !== '.npy') throw new Error(`${options.test}: a test file for a .npy array must be .npy too`);
    if (options.labelColumn === undefined) throw new Error(`${options.test}: a .npy test file needs its labels in a column (--label-column)`);
    test = readNpyDataset(options.test, options);
    if (test.features !== train.features) {
      throw new Error(`${options.test}: has ${test.features} features per row, the training file ${path} ${train.features}`);
    }
    checkAllLabelled(options.test, test.labels);
  }
  return { name: path, train, test, classes: test === null ? classCount(train.labels) : classCount(train.labels, test.labels) };
}

/** A user's table (.csv, .tsv, .txt, gzipped or not) or .npy file as a dataset; test: options.test's rows, or null. */
export async function loadFileDataset(path: string, options: FileDatasetOptions = {}): Promise<LabelledData> {
  if (isTablePath(path)) return loadTableDataset(path, options);
  if (extname(path).toLowerCase() === '.npy') {
    if (options.schema !== undefined) throw new Error(`${path}: the run was trained on a table; give a table file, not .npy`);
    return loadNpyDataset(path, options);
  }
  throw new Error(`${path}: unsupported file type '${extname(path)}' (expected .csv, .tsv, .txt (gzipped or not) or .npy, ` +
    'or a dataset name)');
}

/** A dataset by name ('mnist', 'fashion-mnist') or by file path (a table or .npy). */
export async function loadDataset(source: string, options: NamedDatasetOptions & FileDatasetOptions = {}): Promise<LabelledData> {
  if (isDatasetName(source)) {
    if (options.test !== undefined) throw new Error(`${source} has its own test split; a test file goes with your own data file`);
    return loadNamedDataset(source, options);
  }
  return loadFileDataset(source, options);
}
