// Kingma et al.'s M2 (2014, "Semi-supervised learning with deep generative models"): a generative model
// p(y) p(z) p(x|y,z) with the inference networks q(y|x) and q(z|x,y), trained on labelled and unlabelled rows at
// once (the networks and the objective are in m2net.ts). q(y|x) is the classifier. Default sizes are DESIGN.md's
// m2-step (every network 500-500, z 50). The loss is a sum of per-batch means, labelledWeight · mean_l −ELBO +
// alpha · mean_l CE + mean_u U: alpha weighs one labelled row's cross-entropy against its −ELBO (the paper's
// 0.1 · N / N_l per labelled row is 60 for 100 labels of 60000). How alpha 100, Adam 2e-3, labelledWeight 1 and
// classifierDropout 0 were chosen: docs/experiments.md.
import { noGrad } from '../autograd.js';
import { randn } from '../ops/random.js';
import { sum } from '../ops/reduce.js';
import { gatherRows } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import type { Batch, Sampler } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import type { KindSpec } from './kind.js';
import { M2Network, m2Objective, oneHotRows, type M2Objective } from './m2net.js';
import { choice, likelihood, fraction, int, optionalNumber, rate, sizes, weight, type ConfigInput, type ConfigOf, type Values } from './options.js';
import { familyMetricNames } from './parts/likelihood.js';
import { SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';
import { VAE_ACTIVATIONS } from './vae.js';

/** M2's options (shared with M1+M2's second stage), with the defaults each of them takes. */
export function m2Options(d: { hidden: number[]; latent: number; alpha: number; lr: number; labelledWeight: number | null }) {
  return {
    ...SEMI_SUPERVISED_OPTIONS,
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

const m2Schema = {
  ...m2Options({ hidden: [500, 500], latent: 50, alpha: 100, lr: 2e-3, labelledWeight: 1 }),
  /** p(x|y,z): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

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
    super(m2Kind, config, options, (c, g, d) => new M2Network(c, g, d));
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

  /** The bound and its reconstruction per column family, too, are summed over the labelled rows. */
  override get perLabelledRow(): readonly string[] {
    return [...super.perLabelledRow, 'neg_elbo', ...familyMetricNames(this.config.likelihood)];
  }

  protected override get evaluationNeedsLabels(): boolean {
    return false;
  }

  /**
   * neg_elbo = Σ over the labelled rows of −ELBO(x, y) in nats (one sample of z, −log p(y) included), and for a table
   * its reconstruction per column family; nothing for a batch without labels.
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
    const families: Record<string, number> = {};
    const negElbo = net.negElbo(oneHotRows(y, 0, this.classes, this.device), shared, xs, this.generator, null, families);
    return { neg_elbo: sum(negElbo).item(), ...families };
  }

  /** n samples E[x|y,z] (the likelihood's mean), z ~ N(0, I), row i of class i mod classes (no graph recorded). */
  sample(n: number): Tensor {
    this.checkCount('sample', n);
    return noGrad(() => {
      const y = Array.from({ length: n }, (_, i) => i % this.classes);
      const z = randn([n, this.config.latent], this.generator, { device: this.device });
      return this.module.likelihood.mean(this.module.decode(oneHotRows(y, 0, this.classes, this.device), z));
    });
  }
}

export const m2Kind: KindSpec = {
  kind: 'm2', schema: m2Schema,
  describe: 'Kingma M2: q(y|x), q(z|x,y), p(x|y,z), semi-supervised classifier', ...SEMI_SUPERVISED,
  create: (config, options) => new M2(config as ConfigInput<'m2', typeof m2Schema>, options),
};
