// Kingma et al.'s M1 (2014): a VAE trained on every row (labelled or not) as a feature extractor, and a classifier
// trained on the posterior means E[z|x] of the labelled rows. The paper fits a (transductive) SVM on the latent
// after the VAE; here both learn in every step, the VAE on batch.x and the classifier (softmax regression, or an
// MLP with classifierHidden) on the detached means of batch.labelled, so the classifier follows the encoder
// while it trains. Defaults are the paper's: 784-600-600-z50 with softplus, Bernoulli decoder.
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import type { AdamOptions } from '../optim/adam.js';
import { add, maximum, minimum, mul, scale, sub } from '../ops/elementwise.js';
import { rand, randn } from '../ops/random.js';
import { mean } from '../ops/reduce.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Encoder, Sampler } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import type { KindSpec } from './kind.js';
import { choice, likelihood, int, rate, sizes, type ConfigInput, type ConfigOf } from './options.js';
import { ClassifierHead, SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';
import { VAE_ACTIVATIONS, VAENetwork } from './vae.js';

const m1Options = {
  /** VAE encoder hidden sizes; the decoder mirrors them */
  hidden: sizes([600, 600], 1),
  latent: int(50),
  activation: choice('softplus', VAE_ACTIVATIONS),
  /** Adam learning rate of the VAE */
  lr: rate(1e-3),
  /** the VAE's p(x | z): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
  /** hidden sizes of the classifier on the latent means (empty: softmax regression) */
  classifierHidden: sizes([]),
  /** Adam learning rate of the classifier */
  classifierLr: rate(1e-3),
  ...SEMI_SUPERVISED_OPTIONS,
};

export type M1Config = ConfigOf<'m1', typeof m1Options>;

/** How the VAE sees its inputs: as they are (grey levels in [0, 1]), or as a fresh binary draw per step. */
export const M1_INPUTS = ['grey', 'binarized'] as const;
export type M1Inputs = (typeof M1_INPUTS)[number];

/**
 * A fresh binary image per call, each pixel 1 with probability its grey level (NaN, missing, stays NaN); no graph.
 * The authors' code trains M1 on such draws of MNIST ("dynamic binarisation").
 */
export function binarizeSample(x: Tensor, gen: Generator): Tensor {
  return noGrad(() => {
    const u = rand(x.shape, gen, { device: x.device });
    // 1 where x > u: (x − u) · 1e30 clamped to [0, 1] (|x − u| < 1, so no overflow); + 0 · x carries NaN through
    const bits = minimum(maximum(scale(sub(x, u), 1e30), 0), 1);
    return add(bits, mul(x, 0));
  });
}

export class M1Network extends Module {
  vae: VAENetwork;
  classifier: ClassifierHead;

  constructor(c: M1Config, gen: Generator, device: Device) {
    super();
    this.vae = new VAENetwork(c, gen, device);
    this.classifier = new ClassifierHead(c.latent, c.classifierHidden, c.classes, { activation: c.activation, generator: gen, device });
  }
}

export class M1 extends SemiSupervisedModel<M1Config, M1Network> implements Encoder, Sampler {
  constructor(config: ConfigInput<'m1', typeof m1Options>, options: ModelOptions = {}) {
    super(m1Kind, config, options, (c, g, d) => new M1Network(c, g, d));
  }


  protected override optimizerGroups(): Record<string, [Module, AdamOptions]> {
    return { vae: [this.module.vae, { lr: this.config.lr }], classifier: [this.module.classifier, { lr: this.config.classifierLr }] };
  }

  /** The classifier's logits on the posterior means. */
  protected logits(x: Tensor): Tensor {
    return this.module.classifier.forward(this.module.vae.posterior(x).mu);
  }

  /** Both parts at once: the VAE's mean −ELBO on batch.x, the classifier's cross-entropy on batch.labelled. */
  protected losses(batch: Batch): Objective {
    const x = this.inputs(batch);
    const labelled = this.labelled(batch);
    const negElbo = mean(this.module.vae.negElbo(x, this.generator));
    // the classifier sees the means as fixed inputs: its loss sends no gradient into the encoder
    const codes = noGrad(() => this.module.vae.posterior(labelled.x).mu);
    const ce = this.module.classifier.loss(this.kind, codes, labelled.labels, this.config.classWeights);
    return { loss: add(negElbo, ce), metrics: { neg_elbo: negElbo, cross_entropy: ce } };
  }

  protected override get evaluationNeedsLabels(): boolean {
    return false;
  }

  /** The VAE's −ELBO summed over every row, its two parts, and its reconstruction per column family for a table. */
  protected override evaluateMore(x: Tensor): Record<string, number> {
    return this.module.vae.evaluationSums(x, this.generator);
  }

  /** The posterior means E[z|x], [rows, latent]. */
  encode(x: Tensor): Tensor {
    return this.module.vae.posterior(this.argument('encode', x)).mu;
  }

  /** n samples sigmoid(decoder(z)), z ~ N(0, I) (no graph recorded). */
  sample(n: number): Tensor {
    this.checkCount('sample', n);
    return noGrad(() => this.module.vae.decoder.mean(randn([n, this.config.latent], this.generator, { device: this.device })));
  }
}

export const m1Kind: KindSpec = {
  kind: 'm1', schema: m1Options,
  describe: 'Kingma M1: VAE on all rows, classifier on the latent means of the labelled rows', ...SEMI_SUPERVISED,
  create: (config, options) => new M1(config as ConfigInput<'m1', typeof m1Options>, options),
};
