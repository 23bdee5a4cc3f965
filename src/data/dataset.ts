// The in-memory form every data source is loaded into: rows of features (pixels scaled to [0, 1]) and a label
// per row, NaN where a row is unlabelled. The training loop moves splits to the device once and batches them
// through the gather kernel.

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
  /** number of classes (max label + 1), 0 when nothing is labelled */
  classes: number;
}
