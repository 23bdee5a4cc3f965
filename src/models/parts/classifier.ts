// The classifier part of the semi-supervised models: a classifier head (an MLP to class logits), the options every
// semi-supervised kind has (classes, class weights, labelled batch size), the (optionally class-weighted)
// cross-entropy of a head's logits against class labels, balanced class weights, and the evaluation sums of a
// classifier (misclassified rows and cross-entropy, reported as test_error and test_cross_entropy).
import { MLP, type MLPOptions } from '../../nn/mlp.js';
import { fromArray } from '../../ops/creation.js';
import { mul } from '../../ops/elementwise.js';
import { softmaxCrossEntropy } from '../../ops/losses.js';
import { mean, sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor.js';
import type { ModelConfig } from '../../train/contract.js';
import { int, numbers } from '../options.js';

/** An MLP from `inputs` features through `hidden` to class logits (dropout after each hidden layer if given). */
export class ClassifierHead extends MLP {
  constructor(inputs: number, hidden: readonly number[], classes: number, options: MLPOptions = {}) {
    super([inputs, ...hidden, classes], options);
  }

  /** Mean (or class-weighted) cross-entropy of the head's logits for x against labels. */
  loss(name: string, x: Tensor, labels: Tensor, classWeights: number[] | null): Tensor {
    return classifierLoss(name, this.forward(x), labels, classWeights);
  }
}

/** The options every semi-supervised kind has, for its schema. */
export const SEMI_SUPERVISED_OPTIONS = {
  /** number of classes; labels are 0..classes-1 */
  classes: int(10, 2),
  /** per-class weights of the labelled cross-entropy (null: all 1); `--class-weights balanced` fills them */
  classWeights: numbers(null),
  /** labelled rows per step (drawn from the labelled rows only, beside the batch from all rows) */
  labelledBatchSize: int(100),
};

/** The traits of the semi-supervised kinds: batches of 100 (and 100 labelled rows), 10 epochs and 3000 steps at least,
 *  class weights checked. */
export const SEMI_SUPERVISED = {
  semiSupervised: true, batchSize: 100, lrDecay: null, epochs: 10, minSteps: 3000, monitor: 'error', check: checkClassWeights,
} as const;

/** Checks classWeights against classes (one positive finite weight per class). */
export function checkClassWeights(c: ModelConfig): void {
  const weights = c.classWeights as number[] | null;
  if (weights === null) return;
  if (weights.length !== c.classes) throw new Error(`${c.kind}: classWeights has ${weights.length} entries for ${String(c.classes)} classes`);
  if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new Error(`${c.kind}: classWeights must be positive finite numbers, got ${JSON.stringify(weights)}`);
  }
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

