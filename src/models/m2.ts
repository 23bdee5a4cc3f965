// Kingma et al.'s M2 (2014, "Semi-supervised learning with deep generative models"): a generative model
// p(y) p(z) p(x|y,z) with the inference networks q(y|x) and q(z|x,y), trained on labelled and unlabelled rows at
// once (the networks and the objective are in m2net.ts). q(y|x) is the classifier. Default sizes are DESIGN.md's
// m2-step (every network 500-500, z 50), as ../shared/anchors/torch_steps.py's M2.
//
// alpha: the loss is a sum of per-batch MEANS, mean_l −ELBO + alpha · mean_l CE + mean_u U, so alpha weighs the
// cross-entropy of one labelled row against the −ELBO of the same row. The paper sums over the data set and uses
// alpha = 0.1 · N against the labelled bound summed over N_l rows, i.e. 0.1 · N / N_l per labelled row (60 for
// 100 labels out of 60000); the anchor's step uses 0.1 · 100 = 10. Defaults (alpha 100, Adam 2e-3, ReLU) are what
// trained fastest on MNIST with 100 labels here (label seeds 0, 1, 2: 10.6%, 8.9% and 14% test error after 7-8
// epochs, the last still moving between 13% and 15% at epoch 11), where the anchor's alpha 10 and
// 3e-4 overfit the labels (26% after 1 epoch, 30% after 5), alpha 50 with 1e-3 reached 19.7% after 3, alpha 300
// or 4e-3 trailed alpha 100 with 2e-3, and softplus matched ReLU over the first 2 epochs.
//
// labelledWeight: the paper's sum counts each labelled row's bound once beside the N unlabelled ones, a weight of
// N_l / N on mean_l −ELBO (null: the share the loop passes in batch.labelled.share). On pixels M2 keeps 1: the
// labelled bound is what ties y to the classes in p(x|y,z), and with the share label seed 1 erred 18-26% over 12
// epochs against 10% by epoch 8 with 1. On M1's latent the share is better (M1+M2's default; see m1m2.ts).
//
// classifierDropout: dropout on q(y|x)'s hidden layers while training, as the supervised-only MLP it is measured
// against has (0.5). Off by default, for MNIST; the Fashion-MNIST runs set 0.5. Without it, q(y|x) fits the 100
// labels within an epoch and grows certain of every row (test cross-entropy 17 nats); the unlabelled bound, whose
// pull on q(y|x) is weighted by q(y|x) itself, then moves it little, and on Fashion-MNIST with 100 labels the test
// error rose from 26% after the first epoch to 30-32% after 20 (three seeds). With 0.5: 26.3-28.2% after 20. Tried
// with 0.5 on label seed 2 (8 epochs): alpha 10 (30.9%) and 300 (29.1%), z of 10 dims (29.3%), against 27.4%. On
// MNIST with 100 labels 0.5 erred 11.6%, 12.0% and 12.9% after 20 epochs (seeds 1-3; without: 11.1%, 12.1%, 9.0%):
// there the curve flattens near 12-13% where, without dropout, it goes on falling.
import { noGrad } from '../autograd.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { randn } from '../ops/random.js';
import { softmax, sum } from '../ops/reduce.js';
import { concatCols, gatherRows, reshape } from '../ops/shape.js';
import { sigmoid } from '../ops/activations.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs } from './common.js';
import type { Batch, Classifier, ModelConfig, Sampler, TrainableModel } from './model.js';
import { M2_ACTIVATIONS, M2Network, m2Objective, oneHotRows, type M2Activation, type M2Objective } from './m2net.js';
import { classificationSums, labelledPart, readSemiSupervised } from './semi.js';

/** M2's options (shared with M1+M2's second stage). */
export interface M2Options {
  /** hidden sizes of q(y|x) (may be empty), q(z|x,y) and p(x|y,z) */
  classifierHidden: number[];
  encoderHidden: number[];
  decoderHidden: number[];
  /** dropout after each of q(y|x)'s hidden layers while training */
  classifierDropout: number;
  latent: number;
  activation: M2Activation;
  /** weight of the labelled rows' mean cross-entropy (see the file comment) */
  alpha: number;
  /** weight of the labelled rows' mean −ELBO; null: the labelled rows' share of the training data (each row's
   *  bound counted once; batch.labelled.share, which the training loop sets; 1 when a batch does not give it) */
  labelledWeight: number | null;
  /** Adam learning rate */
  lr: number;
  classes: number;
  classWeights: number[] | null;
  labelledBatchSize: number;
}

export interface M2Config extends ModelConfig, M2Options {
  kind: 'm2';
}

/** Reads the options M2 shares with M1+M2's second stage. */
export function readM2Options(r: ConfigReader,
  defaults: { hidden: number[]; latent: number; alpha: number; lr: number; labelledWeight: number | null;
    classifierDropout: number }): M2Options {
  const semi = readSemiSupervised(r);
  return {
    classifierHidden: r.sizes('classifierHidden', defaults.hidden),
    encoderHidden: r.sizes('encoderHidden', defaults.hidden),
    decoderHidden: r.sizes('decoderHidden', defaults.hidden),
    classifierDropout: r.number('classifierDropout', defaults.classifierDropout, 0, 1, false, true),
    latent: r.int('latent', defaults.latent),
    activation: r.choice('activation', 'relu', M2_ACTIVATIONS),
    alpha: r.number('alpha', defaults.alpha, 0, Infinity, false, true),
    labelledWeight: r.optionalNumber('labelledWeight', defaults.labelledWeight, 0, 1),
    lr: r.number('lr', defaults.lr, 0, 1, true),
    ...semi,
  };
}

/** The weight of the labelled rows' mean −ELBO: the configured one, else the batch's labelled share, else 1. */
export function labelledWeight(options: M2Options, share: number | undefined): number {
  return options.labelledWeight ?? share ?? 1;
}

/** Reads the four scalars of an objective with one download: {loss, labelled_bound, unlabelled_bound, cross_entropy}. */
export function objectiveMetrics(o: M2Objective): Record<string, number> {
  const v = noGrad(() => concatCols([o.loss, o.labelled, o.unlabelled, o.crossEntropy].map((t) => reshape(t, [1, 1]))))
    .toArray();
  return { loss: v[0], labelled_bound: v[1], unlabelled_bound: v[2], cross_entropy: v[3] };
}

export class M2 implements TrainableModel, Classifier, Sampler {
  readonly config: M2Config;
  readonly module: M2Network;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;

  constructor(config: Partial<M2Config> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('m2', config);
    const c: M2Config = {
      kind: 'm2',
      inputSize: r.inputSize(),
      ...readM2Options(r, { hidden: [500, 500], latent: 50, alpha: 100, lr: 2e-3, labelledWeight: 1, classifierDropout: 0 }),
    };
    r.rejectUnknown();
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('m2: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new M2Network({ ...c, likelihood: 'bernoulli' }, this.generator, this.device);
    this.optimizers = { adam: new Adam(this.module.parameters(), { lr: c.lr }) };
  }

  /** The objective of a batch (batch.x: unlabelled stream, batch.labelled: labelled rows), with its graph. */
  objective(batch: Batch): M2Objective {
    const xu = batchInputs('m2', batch, this.config.inputSize, this.device);
    const { x, labels, share } = labelledPart('m2', batch, this.config.inputSize, this.device);
    return m2Objective('m2', this.module, x, labels, xu, this.config.alpha, this.config.classWeights, this.generator, null,
      labelledWeight(this.config, share));
  }

  trainStep(batch: Batch): Record<string, number> {
    const o = this.objective(batch);
    const adam = this.optimizers.adam;
    adam.zeroGrad();
    o.loss.backward();
    adam.step();
    return objectiveMetrics(o);
  }

  /**
   * Sums over rows: error and cross_entropy of q(y|x) against batch.labels (rows labelled NaN skipped), and
   * neg_elbo = Σ over labelled rows of −ELBO(x, y) in nats (one sample of z, −log p(y) included); {} for a
   * batch without labels.
   */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs('m2', batch, this.config.inputSize, this.device);
    return noGrad(() => {
      const net = this.module;
      const prepared = net.prepare(x);
      const labels = batch.labels;
      if (labels === undefined) return {};
      if (labels.size !== x.rows) throw new Error(`m2: batch.labels has ${labels.size} entries for ${x.rows} rows`);
      const sums: Record<string, number> = classificationSums(net.logits(prepared), labels);
      const values = labels.toArray();
      const rows = Int32Array.from(values.keys()).filter((i) => !Number.isNaN(values[i]));
      if (rows.length === 0) return { ...sums, neg_elbo: 0 };
      const y = Array.from(rows, (i) => values[i]);
      if (y.some((l) => !Number.isInteger(l) || l < 0 || l >= this.classes)) {
        throw new Error(`m2: batch.labels holds a label outside 0..${this.classes - 1}`);
      }
      const all = rows.length === x.rows;
      const xs = all ? x : gatherRows(x, rows);
      const shared = net.sharedPart(all ? prepared : net.prepare(xs));
      const bound = sum(net.negElbo(oneHotRows(y, 0, this.classes, this.device), shared, xs, this.generator)).item();
      return { ...sums, neg_elbo: bound };
    });
  }

  /** q(y|x), [rows, classes]. */
  classify(x: Tensor): Tensor {
    checkInputs('m2.classify', x, 'x', this.config.inputSize, this.device);
    return softmax(this.module.logits(this.module.prepare(x)));
  }

  /** n samples sigmoid(p(x|y,z) logits), z ~ N(0, I), row i of class i mod classes (no graph recorded). */
  sample(n: number): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`m2.sample: n must be a positive integer, got ${String(n)}`);
    return noGrad(() => {
      const y = Array.from({ length: n }, (_, i) => i % this.classes);
      const z = randn([n, this.config.latent], this.generator, { device: this.device });
      return sigmoid(this.module.decode(oneHotRows(y, 0, this.classes, this.device), z).out);
    });
  }
}
