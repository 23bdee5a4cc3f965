// Loading a dataset into memory: the named ones (MNIST, Fashion-MNIST: found as resolve.ts says, else downloaded
// into the cache) with their standard train/test split, and users' own CSV or .npy files (train only).
import { extname, join } from 'node:path';
import { classCount, labelProblem, makeSplit, type DataSplit, type LabelledData } from './dataset.js';
import { readImageSet, type ImageSet } from './idx.js';
import { cacheRoot, checkDatasetName, findDataset, isDatasetName, resolveDataset } from './resolve.js';
import { downloadDataset, type DatasetDownloadOptions } from './download.js';
import { readCsvDataset } from './csv.js';
import { readNpy, type NpyArray } from './npy.js';

export interface NamedDatasetOptions extends DatasetDownloadOptions {
  /** the folder given with --data: the only place looked when set (no download) */
  dataDir?: string;
  /** download into the cache when the files are nowhere else (default true) */
  download?: boolean;
}

export interface FileDatasetOptions {
  /** CSV: a header name or 0-based index; .npy: a 0-based column index of the 2-D array */
  labelColumn?: string | number;
  /** a separate .npy of labels, one per row (shape (n) or (n, 1)); NaN = unlabelled */
  labelsPath?: string;
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
    return makeSplit(x, checkLabels(`${path} (column ${column})`, labels), features, path);
  }
  // uint8 is taken as pixels (scaled to [0, 1]); float data is kept as it is
  const x = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
  if (array.dtype === 'uint8') for (let i = 0; i < x.length; i++) x[i] /= 255;
  return makeSplit(x, new Float32Array(rows).fill(NaN), columns, path);
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

/** A user's CSV or .npy file as a dataset (all rows in train; test is null). */
export function loadFileDataset(path: string, options: FileDatasetOptions = {}): LabelledData {
  if (options.labelColumn !== undefined && options.labelsPath !== undefined) {
    throw new Error(`${path}: give a label column or a labels file, not both`);
  }
  const ext = extname(path).toLowerCase();
  let train: DataSplit;
  if (ext === '.csv') train = readCsvDataset(path, { labelColumn: options.labelColumn });
  else if (ext === '.npy') train = readNpyDataset(path, options);
  else throw new Error(`${path}: unsupported file type '${ext}' (expected .csv or .npy, or a dataset name)`);
  if (options.labelsPath !== undefined) {
    if (train.labels.some((l) => !Number.isNaN(l))) throw new Error(`${path}: has a label column and a labels file was given too`);
    train = { ...train, labels: readLabelsFile(options.labelsPath, train.count, path) };
  }
  return { name: path, train, test: null, classes: classCount(train.labels) };
}

/** A dataset by name ('mnist', 'fashion-mnist') or by file path (.csv, .npy). */
export async function loadDataset(source: string, options: NamedDatasetOptions & FileDatasetOptions = {}): Promise<LabelledData> {
  return isDatasetName(source) ? loadNamedDataset(source, options) : loadFileDataset(source, options);
}
