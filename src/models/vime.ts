// VIME (Yoon et al., NeurIPS 2020): self- and semi-supervised learning for tables. Stage 1 (the first selfSteps
// steps, every row) corrupts each row by masking: a table column is masked with probability pMask and its value
// replaced by the same column's value in another row of the batch (each column's rows permuted on their own; a
// categorical one-hot group is one column). An encoder reads the corrupted row; a mask estimator predicts which
// columns were masked (BCE) and a feature estimator the clean row under the table's likelihood; loss = mask BCE +
// alpha · feature NLL. Stage 2 freezes the encoder and trains a predictor on it: the cross-entropy on labelled rows
// + beta · the variance of its logits over K corrupted copies of each row of the batch. Missing cells (NaN) read as
// 0 and are left out of both estimators' losses. classify(x) is the predictor on the encoder of the clean x. The
// step count is a module buffer, so a checkpoint resumes in the right stage.
import { noGrad } from '../autograd.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import type { AdamOptions } from '../optim/adam.js';
import { missingMask, square } from '../ops/activations.js';
import { zeros } from '../ops/creation.js';
import { add, div, mul, scale, sub } from '../ops/elementwise.js';
import { fill_ } from '../ops/inplace.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { bernoulli, rand } from '../ops/random.js';
import { mean, sum } from '../ops/reduce.js';
import { concatRows, gatherRows, reshape, sliceRows } from '../ops/shape.js';
import type { Generator } from '../random.js';
import { markKept, type Device, type Tensor } from '../tensor.js';
import type { Batch, Decoder, Encoder } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import { stageSplit, type KindSpec } from './kind.js';
import { choice, int, likelihood, number, rate, sizes, weight, type ConfigInput, type ConfigOf, type Option } from './options.js';
import { ClassifierHead, classifierLoss, SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';
import { LikelihoodDecoder } from './parts/decoder.js';
import type { LikelihoodSpec } from './parts/likelihood.js';

/** The encoder's layer sizes; by default one layer as wide as the input, as in the authors' code. */
const encoderSizes: Option<number[]> = { ...sizes([], 1), fallback: (read) => [read.inputSize as number] };

// Defaults are the authors' (their code's main.py): pMask 0.3, alpha 2, K = 3 copies, beta 1, a 100-100 predictor.
// Their feature loss is a squared error on [0, 1]-scaled columns; ours is the table's likelihood, whose Gaussian
// columns are standardised, so alpha 2 weighs a comparable per-column error about as they did.
const vimeOptions = {
  ...SEMI_SUPERVISED_OPTIONS,
  hidden: encoderSizes,
  activation: choice('relu', ['relu', 'leakyRelu', 'tanh'] as const),
  /** the probability that a column of a row is masked (replaced by another row's value) */
  pMask: number(0.3, 0, 1, true, true),
  /** weight of the feature estimator's NLL against the mask estimator's BCE (stage 1) */
  alpha: weight(2),
  /** weight of the consistency term (the logits' variance over the copies) against the cross-entropy (stage 2) */
  beta: weight(1),
  /** corrupted copies of each row for the consistency term (K in the paper; one copy has no variance) */
  copies: int(3, 2),
  /** predictor hidden sizes (the predictor reads the encoder's output) */
  predictorHidden: sizes([100, 100]),
  /** Adam learning rate of both stages */
  lr: rate(1e-3),
  /** steps of stage 1; the CLI gives it half the run's steps unless set */
  selfSteps: int(2000, 0),
  /** the feature estimator's p(x | h): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

export type VIMEConfig = ConfigOf<'vime', typeof vimeOptions>;

/**
 * The table column of each of `width` encoded cells under a likelihood spec: a categorical group (a one-hot
 * encoded column) is one column, every other cell its own. Columns are numbered from 0 in cell order.
 */
export function cellColumns(spec: LikelihoodSpec, width: number): Int32Array {
  const column = new Int32Array(width);
  const groups: readonly (readonly [number, number])[] = spec.kind === 'categorical' ? spec.groups
    : spec.kind === 'mixed' ? spec.families.filter((f) => f.kind === 'categorical').map((f) => [f.start, f.end] as const) : [];
  const groupAt = new Map(groups.map(([start, end]) => [start, end]));
  let next = 0;
  for (let j = 0; j < width; next++) {
    const end = groupAt.get(j) ?? j + 1;
    for (; j < end; j++) column[j] = next;
  }
  return column;
}

/** One corruption of a batch of rows: which columns are masked, and where their replacement values come from. */
export interface Corruption {
  /** [rows, columns] of 1 (the column is replaced in that row) and 0 */
  mask: Tensor;
  /** the replacement of column c in row i is column c of row permutation[c · rows + i] of the same batch */
  permutation: Int32Array;
}

/** Stage 1's networks: the encoder e, the mask estimator (a logit per column) and the feature estimator. */
export class Pretext extends Module {
  encoder: MLP;
  maskEstimator: Linear;
  featureEstimator: LikelihoodDecoder;
  /** the table column of each encoded cell (cellColumns) */
  readonly cellColumn: Int32Array;
  /** the first cell of each column */
  readonly firstCell: Int32Array;

  constructor(c: VIMEConfig, generator: Generator, device: Device) {
    super();
    const options = { activation: c.activation, generator, device };
    // every layer has the activation, the representation too (the authors' encoder is one ReLU layer)
    this.encoder = new MLP([c.inputSize, ...c.hidden], { ...options, outputActivation: c.activation });
    const top = c.hidden[c.hidden.length - 1];
    this.featureEstimator = new LikelihoodDecoder([top, c.inputSize], c.likelihood, options);
    this.cellColumn = cellColumns(c.likelihood, c.inputSize);
    const columns = this.cellColumn[c.inputSize - 1] + 1;
    this.firstCell = new Int32Array(columns);
    for (let j = c.inputSize - 1; j >= 0; j--) this.firstCell[this.cellColumn[j]] = j;
    this.maskEstimator = new Linear(top, columns, { generator, device });
  }

  /** The number of table columns (mask entries per row). */
  get columns(): number {
    return this.firstCell.length;
  }
}

/** The networks: the encoder and its two estimators (stage 1's parameters), the predictor, and the step count. */
export class VIMENetwork extends Module {
  pretext: Pretext;
  predictor: ClassifierHead;
  /** training steps taken so far (stage 1 while below selfSteps); a buffer so checkpoints carry it */
  steps: Tensor;

  constructor(c: VIMEConfig, generator: Generator, device: Device) {
    super();
    this.pretext = new Pretext(c, generator, device);
    const top = c.hidden[c.hidden.length - 1];
    this.predictor = new ClassifierHead(top, c.predictorHidden, c.classes, { activation: 'relu', generator, device });
    this.steps = zeros([1], { device });
    markKept(this.steps);
  }
}

/** Entries of t ([rows, cols], contiguous) picked by flat index, as [index.length / outCols, outCols]; no gradient. */
function gatherEntries(t: Tensor, index: Int32Array, outCols: number): Tensor {
  return reshape(gatherRows(reshape(t, [t.size, 1]), index), [index.length / outCols, outCols]);
}

export class VIME extends SemiSupervisedModel<VIMEConfig, VIMENetwork> implements Encoder, Decoder {
  constructor(config: ConfigInput<'vime', typeof vimeOptions>, options: ModelOptions = {}) {
    super(vimeKind, config, options, (c, g, d) => new VIMENetwork(c, g, d));
  }

  protected override optimizerGroups(): Record<string, [Module, AdamOptions]> {
    const adam = { lr: this.config.lr };
    return { pretext: [this.module.pretext, adam], predictor: [this.module.predictor, { ...adam }] };
  }

  /** The predictor trains in stage 2 alone: validation before it would measure an untrained predictor. */
  get validFromStep(): number {
    return this.config.selfSteps;
  }

  /** Training steps taken so far (read from the module buffer). */
  get stepsTaken(): number {
    return this.module.steps.item();
  }

  /** 1 while the encoder trains (the first selfSteps steps), then 2. */
  get stage(): 1 | 2 {
    return this.stepsTaken < this.config.selfSteps ? 1 : 2;
  }

  /** A corruption of `rows` rows drawn from the generator: the mask, then uniforms whose order per column permutes it. */
  drawCorruption(rows: number): Corruption {
    if (!Number.isInteger(rows) || rows < 1) {
      throw new Error(`${this.kind}.drawCorruption: rows must be a positive integer, got ${String(rows)}`);
    }
    const columns = this.module.pretext.columns;
    const mask = bernoulli([rows, columns], this.config.pMask, this.generator, { device: this.device });
    const draw = rand([rows, columns], this.generator, { device: this.device });
    const u = draw.toArray();
    draw.dispose();
    const permutation = new Int32Array(columns * rows);
    const order = Array.from({ length: rows }, (_, i) => i);
    for (let c = 0; c < columns; c++) {
      order.sort((a, b) => u[a * columns + c] - u[b * columns + c] || a - b);
      permutation.set(order, c * rows);
    }
    return { mask, permutation };
  }

  /**
   * x corrupted: missing cells read as 0, then each masked column of a row replaced by that column's value in row
   * permutation[c · rows + i] ((1 − m) ⊙ x + m ⊙ x̄); no gradient (x is data).
   */
  corrupt(x: Tensor, corruption: Corruption): Tensor {
    const rows = this.argument('corrupt', x).rows;
    const { cellColumn } = this.module.pretext;
    const width = this.config.inputSize;
    const { mask, permutation } = this.checkCorruption(rows, corruption);
    const clean = zeroMissing(x);
    const from = new Int32Array(rows * width);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < width; j++) from[i * width + j] = permutation[cellColumn[j] * rows + i] * width + j;
    }
    const replacement = gatherEntries(clean, from, width);
    return add(clean, mul(this.cellMask(mask), sub(replacement, clean)));
  }

  /** The mask per encoded cell: each cell takes its column's entry. */
  private cellMask(mask: Tensor): Tensor {
    const { cellColumn, columns } = this.module.pretext;
    const width = this.config.inputSize;
    if (columns === width) return mask;
    const rows = mask.rows;
    const index = new Int32Array(rows * width);
    for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) index[i * width + j] = i * columns + cellColumn[j];
    return gatherEntries(mask, index, width);
  }

  /** 1 where a row's column is present (its first cell not NaN), 0 where it is missing, [rows, columns]. */
  private presentColumns(x: Tensor): Tensor {
    const { firstCell, columns } = this.module.pretext;
    const present = missingMask(x);
    if (columns === this.config.inputSize) return present;
    const rows = x.rows;
    const index = new Int32Array(rows * columns);
    for (let i = 0; i < rows; i++) for (let c = 0; c < columns; c++) index[i * columns + c] = i * x.cols + firstCell[c];
    return gatherEntries(present, index, columns);
  }

  private checkCorruption(rows: number, corruption: Corruption): Corruption {
    const columns = this.module.pretext.columns;
    const mask = this.argument('corrupt', corruption?.mask, 'corruption.mask', columns);
    if (mask.rows !== rows) throw new Error(`${this.kind}.corrupt: corruption.mask has ${mask.rows} rows for ${rows} rows of x`);
    const p = corruption.permutation;
    if (!(p instanceof Int32Array) || p.length !== columns * rows || p.some((r) => r < 0 || r >= rows)) {
      throw new Error(`${this.kind}.corrupt: corruption.permutation must be an Int32Array of ${columns} · ${rows} row ` +
        `indices in [0, ${rows})`);
    }
    return corruption;
  }

  /**
   * Stage 1's loss on rows x under a corruption: the mask estimator's BCE summed over the present columns, and the
   * feature estimator's NLL of the clean x (missing cells left out), each meaned over rows; loss = mask + alpha · feature.
   */
  pretextLosses(x: Tensor, corruption: Corruption): { loss: Tensor; mask: Tensor; feature: Tensor } {
    const xs = this.argument('pretextLosses', x);
    const { encoder, maskEstimator, featureEstimator } = this.module.pretext;
    const h = encoder.forward(this.corrupt(xs, corruption));
    const present = this.presentColumns(xs);
    // a missing column's target is NaN (0/0), which the BCE kernel skips
    const target = mul(corruption.mask, div(present, present));
    const mask = mean(sigmoidCrossEntropy(maskEstimator.forward(h), target));
    const feature = mean(featureEstimator.nll(h, xs));
    return { loss: add(mask, scale(feature, this.config.alpha)), mask, feature };
  }

  /**
   * Stage 2's loss: the predictor's (class-weighted) cross-entropy on the labelled rows, + beta · the variance over
   * the corrupted copies of rows x (one corruption each) of its logits, summed over classes and meaned over rows.
   * The encoder is frozen: it adds no graph.
   */
  semiSupervisedLosses(x: Tensor, labelled: { x: Tensor; labels: Tensor }, corruptions: readonly Corruption[]):
    { loss: Tensor; classifier: Tensor; consistency: Tensor } {
    const xs = this.argument('semiSupervisedLosses', x);
    this.argument('semiSupervisedLosses', labelled?.x, 'labelled.x');
    const { encoder } = this.module.pretext;
    const predictor = this.module.predictor;
    const classifier = classifierLoss(this.kind, predictor.forward(noGrad(() => encoder.forward(zeroMissing(labelled.x)))),
      labelled.labels, this.config.classWeights);
    const k = corruptions.length;
    if (k < 2) throw new Error(`${this.kind}.semiSupervisedLosses: needs at least 2 corruptions, got ${k}`);
    const rows = xs.rows;
    const copies = noGrad(() => encoder.forward(concatRows(corruptions.map((c) => this.corrupt(xs, c)))));
    const logits = predictor.forward(copies);
    const each = Array.from({ length: k }, (_, i) => sliceRows(logits, i * rows, (i + 1) * rows));
    const average = scale(each.reduce((a, b) => add(a, b)), 1 / k);
    const variance = scale(each.map((l) => square(sub(l, average))).reduce((a, b) => add(a, b)), 1 / k);
    const consistency = mean(sum(variance, -1));
    return { loss: add(classifier, scale(consistency, this.config.beta)), classifier, consistency };
  }

  protected losses(batch: Batch): Objective {
    return this.stageLosses(batch, this.stepsTaken);
  }

  private stageLosses(batch: Batch, taken: number): Objective {
    const x = this.inputs(batch);
    if (taken < this.config.selfSteps) {
      const { loss, mask, feature } = this.pretextLosses(x, this.drawCorruption(x.rows));
      return { loss, metrics: { mask_bce: mask, feature_nll: feature, stage: 1 }, optimizers: ['pretext'] };
    }
    const labelled = this.labelled(batch);
    const corruptions = Array.from({ length: this.config.copies }, () => this.drawCorruption(x.rows));
    const { loss, classifier, consistency } = this.semiSupervisedLosses(x, labelled, corruptions);
    return { loss, metrics: { classifier, consistency, stage: 2 }, optimizers: ['predictor'] };
  }

  /** One step of the current stage; the step counter (read once) moves on after it. */
  override trainStep(batch: Batch): Record<string, number> {
    const taken = this.stepsTaken;
    const metrics = this.minimize(this.stageLosses(batch, taken));
    fill_(this.module.steps, taken + 1);
    return metrics;
  }

  /** The predictor's logits on the encoder of the clean x, [rows, classes]. */
  protected logits(x: Tensor): Tensor {
    return this.module.predictor.forward(this.module.pretext.encoder.forward(zeroMissing(x)));
  }

  protected override get evaluationNeedsLabels(): boolean {
    return false;
  }

  /** The feature estimator's NLL of the clean rows from their own code, summed over rows (and per column family). */
  protected override evaluateMore(x: Tensor): Record<string, number> {
    const { encoder, featureEstimator } = this.module.pretext;
    const { nll, families } = featureEstimator.nllWithFamilies(encoder.forward(zeroMissing(x)), x);
    return { reconstruction: sum(nll).item(), ...families };
  }

  /** The encoder's representation of x, [rows, last hidden size]. */
  encode(x: Tensor): Tensor {
    return this.module.pretext.encoder.forward(zeroMissing(this.argument('encode', x)));
  }

  /** The feature estimator's mean for representations h, [rows, inputSize]. */
  decode(h: Tensor): Tensor {
    const top = this.config.hidden[this.config.hidden.length - 1];
    return this.module.pretext.featureEstimator.mean(this.argument('decode', h, 'h', top));
  }
}

export const vimeKind: KindSpec = {
  kind: 'vime', schema: vimeOptions,
  describe: 'VIME: an encoder pretrained on masked-column tasks, then a predictor with a consistency loss', ...SEMI_SUPERVISED,
  // the encoder trains for selfSteps steps (half the run unless given), then the predictor for the rest
  runOptions: stageSplit('vime', 'selfSteps', 'the predictor'),
  create: (config, options) => new VIME(config as ConfigInput<'vime', typeof vimeOptions>, options),
};
