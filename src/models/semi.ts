// What the semi-supervised models share: their common options (classes, class weights, labelled batch size), the
// labelled half of a batch checked, the (optionally class-weighted) cross-entropy of a classifier head, and the
// evaluation sums of a classifier (misclassified rows and cross-entropy, reported as test_error and
// test_cross_entropy).
import { fromArray } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { softmaxCrossEntropy } from '../ops/losses.js';
import { mean, sum } from '../ops/reduce.js';
import type { Device, Tensor } from '../tensor.js';
import { checkInputs, type ConfigReader } from './common.js';
import type { Batch } from './model.js';

export interface SemiSupervisedOptions {
  /** number of classes; labels are 0..classes-1 */
  classes: number;
  /** per-class weights of the labelled cross-entropy (null: all 1); `--class-weights balanced` fills them */
  classWeights: number[] | null;
  /** labelled rows per step (drawn from the labelled rows only, beside the batch from all rows) */
  labelledBatchSize: number;
}

/** Reads classes, classWeights and labelledBatchSize from a semi-supervised model's config. */
export function readSemiSupervised(r: ConfigReader, labelledBatchSize = 100): SemiSupervisedOptions {
  const classes = r.int('classes', 10, 2);
  const weights = r.optionalNumbers('classWeights');
  if (weights !== null) {
    if (weights.length !== classes) {
      throw new Error(`${r.name}: classWeights has ${weights.length} entries for ${classes} classes`);
    }
    if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
      throw new Error(`${r.name}: classWeights must be positive finite numbers, got ${JSON.stringify(weights)}`);
    }
  }
  return { classes, classWeights: weights, labelledBatchSize: r.int('labelledBatchSize', labelledBatchSize) };
}

/**
 * Weights n / (classes · count_c) for the labelled rows' classes (sklearn's 'balanced'): every class then weighs
 * the same in total. A class with no labelled row is an Error (its weight would be infinite).
 */
export function balancedClassWeights(labels: Float32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  let n = 0;
  for (const l of labels) {
    if (Number.isNaN(l)) continue;
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new Error(`balancedClassWeights: label ${l} is not a class of 0..${classes - 1}`);
    counts[l]++;
    n++;
  }
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw new Error(`balancedClassWeights: class ${empty} has no labelled row`);
  return counts.map((c) => n / (classes * c));
}

/** The labelled half of a batch, checked: x [rows, inputSize], labels [rows] on the model's device, and the
 *  labelled rows' share of the training data where the batch gives it. */
export function labelledPart(name: string, batch: Batch, inputSize: number, device: Device):
  { x: Tensor; labels: Tensor; share: number | undefined } {
  const l = batch?.labelled;
  if (l === undefined || l === null) {
    throw new Error(`${name}: the batch has no labelled part (batch.labelled); semi-supervised models are trained ` +
      'on data with labelled rows, through the training loop or with batch.labelled set');
  }
  const x = checkInputs(name, l.x, 'batch.labelled.x', inputSize, device);
  const labels = l.labels;
  if (labels === undefined || labels === null || typeof labels !== 'object' || !('shape' in labels)) {
    throw new Error(`${name}: batch.labelled.labels must be a Tensor`);
  }
  labels.assertLive(name, 'batch.labelled.labels');
  if (labels.size !== x.shape[0]) {
    throw new Error(`${name}: batch.labelled.labels has ${labels.size} entries for ${x.shape[0]} rows`);
  }
  const share = l.share;
  if (share !== undefined && !(typeof share === 'number' && share > 0 && share <= 1)) {
    throw new Error(`${name}: batch.labelled.share must be a fraction in (0, 1], got ${JSON.stringify(share)}`);
  }
  return { x, labels, share };
}

/** Checks that every label is a class of 0..classes-1 (a NaN or out-of-range label in a labelled batch is an Error). */
export function checkLabels(name: string, labels: Float32Array, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw new Error(`${name}: label ${l} of labelled row ${i} is not a class of 0..${classes - 1}`);
    }
  }
}

/**
 * Mean cross-entropy of softmax(logits) against class-index labels; with class weights, Σ w_y·ce / Σ w_y (so the
 * loss keeps its scale whatever the weights).
 */
export function classifierLoss(name: string, logits: Tensor, labels: Tensor, classWeights: number[] | null): Tensor {
  const values = labels.toArray();
  checkLabels(name, values, logits.cols);
  const ce = softmaxCrossEntropy(logits, labels);
  if (classWeights === null) return mean(ce);
  const w = new Float32Array(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    w[i] = classWeights[values[i]];
    total += w[i];
  }
  for (let i = 0; i < w.length; i++) w[i] /= total;
  return sum(mul(ce, fromArray(w, [w.length], { device: logits.device })));
}

/**
 * Evaluation sums of a classifier's logits (or log-probabilities) against labels, skipping unlabelled (NaN) rows:
 * error = misclassified rows, cross_entropy = Σ -log p(label). The loop divides by the rows.
 */
export function classificationSums(logits: Tensor, labels: Tensor): { error: number; cross_entropy: number } {
  const l = logits.toArray();
  const y = labels.toArray();
  const cols = logits.cols;
  let error = 0;
  let xent = 0;
  for (let r = 0; r < y.length; r++) {
    if (Number.isNaN(y[r])) continue;
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = l[r * cols + c];
      if (v > max) {
        max = v;
        best = c;
      }
    }
    let z = 0;
    for (let c = 0; c < cols; c++) z += Math.exp(l[r * cols + c] - max);
    xent += Math.log(z) + max - l[r * cols + y[r]];
    if (best !== y[r]) error++;
  }
  return { error, cross_entropy: xent };
}
