// Evaluation of a model on a split: the split moved to the device once, evaluateBatch's sums over batches divided
// by the rows, reported as <rows>_<name> where <rows> says which rows were measured (test_error on held-out rows,
// train_labelled_error on the labelled training rows); the training loop calls it at epoch ends, `semigen eval` on
// a saved run.
import { keep, tidy, type Device, type Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { fromArray } from '../ops/creation.js';
import { gatherRows } from '../ops/shape.js';
import type { DataSplit } from '../data/dataset.js';
import type { TrainableModel } from './contract.js';

/** The data as the loop holds it: one device tensor for the rows and one for the labels of each split. */
export interface DeviceSplit {
  x: Tensor;
  labels: Tensor;
  count: number;
  /** rows with a label (not NaN) */
  labelled: number;
}

export function toDevice(split: DataSplit, device: Device): DeviceSplit {
  return {
    x: keep(fromArray(split.x, [split.count, split.features], { device })),
    labels: keep(fromArray(split.labels, [split.count], { device })),
    count: split.count,
    labelled: split.labels.reduce((n, l) => (Number.isNaN(l) ? n : n + 1), 0),
  };
}

/**
 * Metrics on a split: evaluateBatch's sums over batches of `batchSize` rows, as <rows>_<name>, divided by the rows
 * they were taken over: the labelled rows for the model's perLabelledRow sums, every row for the others. `rows`
 * names the split: 'test' only for rows never trained on.
 */
export function evaluate(model: TrainableModel, test: DeviceSplit, batchSize: number, rows = 'test'): Record<string, number> {
  const stream = model.generator.getState(); // evaluation never moves the training stream
  const sums: Record<string, number> = {};
  model.module.eval();
  try {
    noGrad(() => {
      for (let start = 0; start < test.count; start += batchSize) {
        const index = Int32Array.from({ length: Math.min(batchSize, test.count - start) }, (_, i) => start + i);
        const m = tidy(() => model.evaluateBatch({ x: gatherRows(test.x, index), labels: gatherRows(test.labels, index) }));
        for (const [k, v] of Object.entries(m)) sums[k] = (sums[k] ?? 0) + v;
      }
    });
  } finally {
    model.module.train();
    model.generator.setState(stream);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) {
    const divisor = model.perLabelledRow?.includes(k) ? test.labelled : test.count;
    if (divisor > 0) out[`${rows}_${k}`] = v / divisor;
  }
  return out;
}

/** evaluate() on a host split (moved to `device` for the call and freed after). */
export function evaluateSplit(model: TrainableModel, split: DataSplit, batchSize = 1000, device: Device = 'cpu', rows = 'test'):
  Record<string, number> {
  const onDevice = toDevice(split, device);
  try {
    return evaluate(model, onDevice, batchSize, rows);
  } finally {
    onDevice.x.dispose();
    onDevice.labels.dispose();
  }
}
