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

export interface BalancedOptions {
  /** the number of classes (default: max label + 1) */
  classes?: number;
  /** a class's name in messages (default: its index) */
  className?: (c: number) => string;
  /** told of each class that has fewer labelled rows than its share (it gives all it has) */
  onWarning?: (message: string) => void;
}

/**
 * Indices (ascending) of `total` labelled rows balanced over the classes, drawn with `seed`: total / classes of
 * each, the remainder one more each for the first classes. A class with fewer labelled rows than its share gives all
 * it has (and a warning); a class with none, or fewer labels than classes, is an Error.
 */
export function balancedSubset(labels: Float32Array, total: number, seed: number, options: BalancedOptions = {}): Int32Array {
  const classes = options.classes ?? classCount(labels);
  const name = options.className ?? String;
  if (classes === 0) throw new Error('balancedSubset: no row is labelled');
  if (!(classes <= MAX_LABEL + 1)) throw new Error(`balancedSubset: label ${classes - 1} is not a valid class`);
  if (!Number.isInteger(total) || total < 1) throw new Error(`balancedSubset: total must be a positive integer, got ${total}`);
  if (total < classes) throw new Error(`balancedSubset: ${total} labels cannot cover ${classes} classes (give at least one per class)`);
  if (!Number.isInteger(seed)) throw new Error(`balancedSubset: seed must be an integer, got ${seed}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (Number.isNaN(l)) continue;
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new Error(`balancedSubset: label ${l} of row ${i} is not a class of 0..${classes - 1}`);
    byClass[l].push(i);
  }
  const random = new SplitMix32(seed);
  const chosen: number[] = [];
  for (let c = 0; c < classes; c++) {
    const rows = byClass[c];
    const share = Math.floor(total / classes) + (c < total % classes ? 1 : 0);
    if (rows.length === 0) throw new Error(`balancedSubset: class ${name(c)} has no labelled row`);
    if (rows.length < share) {
      options.onWarning?.(`class ${name(c)} has ${rows.length} labelled row${rows.length === 1 ? '' : 's'}, fewer than its ` +
        `share of ${share}: all of them are kept`);
    }
    // a partial Fisher-Yates shuffle: the first places get a uniform sample without replacement
    for (let i = 0; i < Math.min(share, rows.length); i++) {
      const j = i + random.below(rows.length - i);
      const t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
      chosen.push(rows[i]);
    }
  }
  return Int32Array.from(chosen).sort();
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
export function fewLabels(split: DataSplit, total: number, seed: number, options: BalancedOptions = {}):
  { split: DataSplit; indices: Int32Array } {
  const indices = balancedSubset(split.labels, total, seed, options);
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

/** The labelled rows of each class, each list shuffled by `seed`. */
function shuffledByClass(labels: Float32Array, seed: number, where: string): number[][] {
  if (!Number.isInteger(seed)) throw new Error(`${where}: seed must be an integer, got ${seed}`);
  const byClass: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (Number.isNaN(l)) continue;
    if (!Number.isInteger(l) || l < 0 || l > MAX_LABEL) throw new Error(`${where}: label ${l} of row ${i} is not a class`);
    (byClass[l] ??= []).push(i);
  }
  const random = new SplitMix32(seed);
  const classes = byClass.filter((rows) => rows !== undefined);
  for (const rows of classes) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = random.below(i + 1);
      const t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
    }
  }
  return classes;
}

/**
 * Indices (ascending) of a stratified `fraction` of the labelled rows, drawn with `seed`: round(fraction · n) of each
 * class of n labelled rows, at least one of a class that has two or more, never all of one.
 */
export function stratifiedHoldout(labels: Float32Array, fraction: number, seed: number): Int32Array {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`stratifiedHoldout: fraction must be in (0, 1), got ${fraction}`);
  const held: number[] = [];
  for (const rows of shuffledByClass(labels, seed, 'stratifiedHoldout')) {
    const n = rows.length < 2 ? 0 : Math.min(rows.length - 1, Math.max(1, Math.round(fraction * rows.length)));
    held.push(...rows.slice(0, n));
  }
  if (held.length === 0) throw new Error('stratifiedHoldout: no class has two labelled rows to hold one out');
  return Int32Array.from(held).sort();
}

/**
 * The labelled rows dealt into `k` folds (each ascending), stratified: each class's rows, shuffled by `seed`, are dealt
 * in turn, continuing from the fold the previous class ended at, so every fold has about n / k of each class and the
 * folds' sizes differ by at most one.
 */
export function stratifiedFolds(labels: Float32Array, k: number, seed: number): Int32Array[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`stratifiedFolds: k must be an integer of at least 2, got ${k}`);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const rows of shuffledByClass(labels, seed, 'stratifiedFolds')) {
    for (const r of rows) {
      folds[next].push(r);
      next = (next + 1) % k;
    }
  }
  if (folds.some((f) => f.length === 0)) throw new Error(`stratifiedFolds: fewer labelled rows than the ${k} folds`);
  return folds.map((f) => Int32Array.from(f).sort());
}

/**
 * Splits a stratified `fraction` of the labelled rows off as validation rows: `train` holds every other row (labelled
 * or not), `validation` those rows, `rows` their indices in `split`. No row is in both.
 */
export function holdOut(split: DataSplit, fraction: number, seed: number): { train: DataSplit; validation: DataSplit; rows: Int32Array } {
  const rows = stratifiedHoldout(split.labels, fraction, seed);
  return { train: withoutRows(split, rows), validation: subsetRows(split, rows), rows };
}

/** The split without the rows at `indices` (a copy). */
export function withoutRows(split: DataSplit, indices: ArrayLike<number>): DataSplit {
  checkIndices('withoutRows', indices, split.count);
  const drop = new Uint8Array(split.count);
  for (let i = 0; i < indices.length; i++) drop[indices[i]] = 1;
  const kept: number[] = [];
  for (let r = 0; r < split.count; r++) if (drop[r] === 0) kept.push(r);
  return subsetRows(split, kept);
}
