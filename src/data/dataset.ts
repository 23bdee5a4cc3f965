// The in-memory form every data source is loaded into: rows of features (pixels scaled to [0, 1]) and a label
// per row, NaN where a row is unlabelled. The training loop moves splits to the device once and batches them
// through the gather kernel.
import type { TableSchema } from './schema.js';

export interface DataSplit {
  /** count x features, row-major */
  x: Float32Array;
  /** count labels as floats (class index 0..classes-1), NaN = unlabelled */
  labels: Float32Array;
  count: number;
  features: number;
}

export interface LabelledData {
  /** 'mnist', 'fashion-mnist', or the file's path */
  name: string;
  train: DataSplit;
  /** the standard test split for named datasets; null for a user's file */
  test: DataSplit | null;
  /** number of classes (max label + 1, or a table's label classes), 0 when nothing is labelled */
  classes: number;
  /** a table's schema: how its cells were encoded, its classes' names (absent for arrays and images) */
  schema?: TableSchema;
}

/** Largest label allowed: float32 holds every integer up to 2^24 exactly. */
export const MAX_LABEL = 2 ** 24;

/** Number of classes of a label array: max label + 1, 0 when no row is labelled. */
export function classCount(...labelSets: Float32Array[]): number {
  let max = -1;
  for (const labels of labelSets) for (const l of labels) if (l > max) max = l;
  return max + 1;
}

/** Why `value` is no valid label (an integer in [0, 2^24]; NaN = unlabelled is valid), or null when it is. */
export function labelProblem(value: number): string | null {
  if (Number.isNaN(value)) return null;
  if (!Number.isInteger(value) || value < 0) return `label ${value} is not an integer >= 0 (leave unlabelled rows empty or NaN)`;
  if (value > MAX_LABEL) return `label ${value} is larger than ${MAX_LABEL}`;
  return null;
}

/** A DataSplit after checking that the arrays agree; `where` names the source in errors. */
export function makeSplit(x: Float32Array, labels: Float32Array, features: number, where: string): DataSplit {
  if (!Number.isInteger(features) || features < 1) throw new Error(`${where}: features must be a positive integer, got ${features}`);
  const count = labels.length;
  if (count < 1) throw new Error(`${where}: no data rows`);
  if (x.length !== count * features) {
    throw new Error(`${where}: ${x.length} values are not ${count} rows of ${features} features`);
  }
  return { x, labels, count, features };
}
