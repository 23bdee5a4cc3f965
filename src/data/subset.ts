// Few-label splits for semi-supervised training: a class-balanced labelled subset chosen by a seed (the same
// labels, total and seed always give the same rows, so a run can record and rebuild its split), and splits
// with every other row marked unlabelled (NaN) or with only chosen rows kept.
import { SplitMix32 } from './batches.js';
import { MAX_LABEL, classCount, makeSplit, type DataSplit } from './dataset.js';

function checkIndices(where: string, indices: ArrayLike<number>, count: number): void {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= count) throw new Error(`${where}: index ${r} (entry ${i}) is not a row of 0..${count - 1}`);
  }
}

/**
 * Indices (ascending) of `total` labelled rows, total / classes of each class, drawn with `seed`. Classes are
 * 0..max label; a class with too few labelled rows, or a total not divisible by the classes, is an error.
 */
export function balancedSubset(labels: Float32Array, total: number, seed: number): Int32Array {
  const classes = classCount(labels);
  if (classes === 0) throw new Error('balancedSubset: no row is labelled');
  if (!(classes <= MAX_LABEL + 1)) throw new Error(`balancedSubset: label ${classes - 1} is not a valid class`);
  if (!Number.isInteger(total) || total < 1) throw new Error(`balancedSubset: total must be a positive integer, got ${total}`);
  if (total % classes !== 0) {
    throw new Error(`balancedSubset: ${total} labels cannot be split evenly over ${classes} classes (use a multiple of ${classes})`);
  }
  if (!Number.isInteger(seed)) throw new Error(`balancedSubset: seed must be an integer, got ${seed}`);
  const perClass = total / classes;
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (Number.isNaN(l)) continue;
    if (!Number.isInteger(l) || l < 0) throw new Error(`balancedSubset: label ${l} of row ${i} is not an integer >= 0`);
    byClass[l].push(i);
  }
  const random = new SplitMix32(seed);
  const chosen = new Int32Array(total);
  let k = 0;
  for (let c = 0; c < classes; c++) {
    const rows = byClass[c];
    if (rows.length < perClass) {
      throw new Error(`balancedSubset: class ${c} has ${rows.length} labelled rows, ${perClass} needed for ${total} labels`);
    }
    // a partial Fisher-Yates shuffle: the first perClass places get a uniform sample without replacement
    for (let i = 0; i < perClass; i++) {
      const j = i + random.below(rows.length - i);
      const t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
      chosen[k++] = rows[i];
    }
  }
  return chosen.sort();
}

/** The split with labels kept only at `indices` (NaN elsewhere); the features are shared, not copied. */
export function withLabelsOnly(split: DataSplit, indices: ArrayLike<number>): DataSplit {
  checkIndices('withLabelsOnly', indices, split.count);
  const labels = new Float32Array(split.count).fill(NaN);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (Number.isNaN(split.labels[r])) throw new Error(`withLabelsOnly: row ${r} has no label to keep`);
    labels[r] = split.labels[r];
  }
  return { ...split, labels };
}

/** A balanced labelled subset of `split` and the split with only those labels: what a semi-supervised run uses. */
export function fewLabels(split: DataSplit, total: number, seed: number): { split: DataSplit; indices: Int32Array } {
  const indices = balancedSubset(split.labels, total, seed);
  return { split: withLabelsOnly(split, indices), indices };
}

/** Indices of the labelled rows. */
export function labelledRows(split: DataSplit): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < split.count; i++) if (!Number.isNaN(split.labels[i])) rows.push(i);
  return Int32Array.from(rows);
}

/** A new split holding copies of the rows at `indices`, in that order. */
export function subsetRows(split: DataSplit, indices: ArrayLike<number>): DataSplit {
  checkIndices('subsetRows', indices, split.count);
  const f = split.features;
  const x = new Float32Array(indices.length * f);
  const labels = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    x.set(split.x.subarray(r * f, (r + 1) * f), i * f);
    labels[i] = split.labels[r];
  }
  return makeSplit(x, labels, f, 'subsetRows');
}
