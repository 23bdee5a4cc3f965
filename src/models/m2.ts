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
import { randn } from '../ops/random.js';
import { sum } from '../ops/reduce.js';
import { gatherRows } from '../ops/shape.js';
import { sigmoid } from '../ops/activations.js';
import type { Tensor } from '../tensor.js';
import type { Batch, Sampler } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import type { KindSpec } from './kind.js';
import { M2Network, m2Objective, oneHotRows, type M2Objective } from './m2net.js';
import { choice, fraction, int, optionalNumber, rate, sizes, weight, type ConfigInput, type ConfigOf, type Values } from './options.js';
import { SEMI_SUPERVISED, semiSupervisedOptions } from './parts/classifier.js';
import { VAE_ACTIVATIONS } from './vae.js';

/** M2's options (shared with M1+M2's second stage), with the defaults each of them takes. */
export function m2Options(d: { hidden: number[]; latent: number; alpha: number; lr: number; labelledWeight: number | null }) {
  return {
    ...semiSupervisedOptions(),
    /** hidden sizes of q(y|x) (may be empty), q(z|x,y) and p(x|y,z) */
    classifierHidden: sizes(d.hidden),
    encoderHidden: sizes(d.hidden),
    decoderHidden: sizes(d.hidden),
    /** dropout after each of q(y|x)'s hidden layers while training */
    classifierDropout: fraction(0),
    latent: int(d.latent),
    activation: choice('relu', VAE_ACTIVATIONS),
    /** weight of the labelled rows' mean cross-entropy (see docs/experiments.md) */
    alpha: weight(d.alpha),
    /** weight of the labelled rows' mean −ELBO; null: the labelled rows' share of the training data (each row's
     *  bound counted once; batch.labelled.share, which the training loop sets; 1 when a batch does not give it) */
    labelledWeight: optionalNumber(d.labelledWeight, 0, 1),
    /** Adam learning rate */
    lr: rate(d.lr),
  };
}

const m2Schema = m2Options({ hidden: [500, 500], latent: 50, alpha: 100, lr: 2e-3, labelledWeight: 1 });

export type M2Options = Values<typeof m2Schema>;
export type M2Config = ConfigOf<'m2', typeof m2Schema>;

/** The weight of the labelled rows' mean −ELBO: the configured one, else the batch's labelled share, else 1. */
export function labelledWeight(options: M2Options, share: number | undefined): number {
  return options.labelledWeight ?? share ?? 1;
}

/** An M2 objective as the base's Objective: its loss and its three terms. */
export function objectiveOf(o: M2Objective): Objective {
  return { loss: o.loss, metrics: { labelled_bound: o.labelled, unlabelled_bound: o.unlabelled, cross_entropy: o.crossEntropy } };
}

export class M2 extends SemiSupervisedModel<M2Config, M2Network> implements Sampler {
  constructor(config: ConfigInput<'m2', typeof m2Schema>, options: ModelOptions = {}) {
    super(m2Kind, config, options, (c, g, d) => new M2Network({ ...c, likelihood: 'bernoulli' }, g, d));
  }


  /** q(y|x)'s logits. */
  protected logits(x: Tensor): Tensor {
    return this.module.logits(this.module.prepare(x));
  }

  /** The objective of a batch (batch.x: unlabelled stream, batch.labelled: labelled rows), with its graph. */
  objective(batch: Batch): M2Objective {
    const xu = this.inputs(batch);
    const { x, labels, share } = this.labelled(batch);
    return m2Objective(this.kind, this.module, x, labels, xu, this.config.alpha, this.config.classWeights, this.generator,
      null, labelledWeight(this.config, share));
  }

  protected losses(batch: Batch): Objective {
    return objectiveOf(this.objective(batch));
  }

  protected override get evaluationNeedsLabels(): boolean {
    return false;
  }

  /**
   * neg_elbo = Σ over the labelled rows of −ELBO(x, y) in nats (one sample of z, −log p(y) included); nothing for a
   * batch without labels.
   */
  protected override evaluateMore(x: Tensor, labels: Tensor | null): Record<string, number> {
    if (labels === null) return {};
    const net = this.module;
    const values = labels.toArray();
    const rows = Int32Array.from(values.keys()).filter((i) => !Number.isNaN(values[i]));
    if (rows.length === 0) return { neg_elbo: 0 };
    const y = Array.from(rows, (i) => values[i]);
    if (y.some((l) => !Number.isInteger(l) || l < 0 || l >= this.classes)) {
      throw new Error(`m2: batch.labels holds a label outside 0..${this.classes - 1}`);
    }
    const xs = rows.length === x.rows ? x : gatherRows(x, rows);
    const shared = net.sharedPart(net.prepare(xs));
    return { neg_elbo: sum(net.negElbo(oneHotRows(y, 0, this.classes, this.device), shared, xs, this.generator)).item() };
  }

  /** n samples sigmoid(p(x|y,z) logits), z ~ N(0, I), row i of class i mod classes (no graph recorded). */
  sample(n: number): Tensor {
    this.checkCount('sample', n);
    return noGrad(() => {
      const y = Array.from({ length: n }, (_, i) => i % this.classes);
      const z = randn([n, this.config.latent], this.generator, { device: this.device });
      return sigmoid(this.module.decode(oneHotRows(y, 0, this.classes, this.device), z).out);
    });
  }
}

export const m2Kind: KindSpec = {
  kind: 'm2', schema: m2Schema,
  describe: 'Kingma M2: q(y|x), q(z|x,y), p(x|y,z), semi-supervised classifier', ...SEMI_SUPERVISED,
  create: (config, options) => new M2(config as ConfigInput<'m2', typeof m2Schema>, options),
};
