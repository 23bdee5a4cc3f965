// Kingma et al.'s M1 (2014): a VAE trained on every row (labelled or not) as a feature extractor, and a classifier
// trained on the posterior means E[z|x] of the labelled rows. The paper fits a (transductive) SVM on the latent
// after the VAE; here both learn in every step, the VAE on batch.x and the classifier (softmax regression, or an
// MLP with classifierHidden) on the detached means of batch.labelled, so the classifier follows the encoder
// while it trains. Defaults are the paper's: 784-600-600-z50 with softplus, Bernoulli decoder. On MNIST with 100
// labels this gives about 22% test error after 10 epochs (the paper's M1 + TSVM: 11.8%; a transductive classifier
// would use the unlabelled codes too).
import { noGrad } from '../autograd.js';
import { MLP } from '../nn/mlp.js';
import { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { sigmoid } from '../ops/activations.js';
import { add, maximum, minimum, mul, scale, sub } from '../ops/elementwise.js';
import { gaussianKl, sigmoidCrossEntropy } from '../ops/losses.js';
import { rand, randn, reparameterize } from '../ops/random.js';
import { mean, softmax, sum } from '../ops/reduce.js';
import { concatCols, reshape } from '../ops/shape.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, zeroMissing } from './common.js';
import { M2_ACTIVATIONS, type M2Activation } from './m2net.js';
import type { Batch, Classifier, Encoder, ModelConfig, Sampler, TrainableModel } from './model.js';
import { classificationSums, classifierLoss, labelledPart, readSemiSupervised } from './semi.js';
import { VAENetwork, type VAEConfig } from './vae.js';

export interface M1Config extends ModelConfig {
  kind: 'm1';
  /** VAE encoder hidden sizes; the decoder mirrors them */
  hidden: number[];
  latent: number;
  activation: M2Activation;
  /** Adam learning rate of the VAE */
  lr: number;
  /** hidden sizes of the classifier on the latent means (empty: softmax regression) */
  classifierHidden: number[];
  /** Adam learning rate of the classifier */
  classifierLr: number;
  classes: number;
  classWeights: number[] | null;
  labelledBatchSize: number;
}

/** The M1 VAE's network config (a VAENetwork of the given sizes). */
export function vaeNetworkConfig(inputSize: number, hidden: number[], latent: number, activation: M2Activation): VAEConfig {
  return { kind: 'vae', inputSize, hidden, latent, beta: 1, activation, lr: 1e-3 };
}

/** Posterior mu and logvar of a VAENetwork for inputs in [0, 1] (NaN pixels zeroed). */
export function vaePosterior(net: VAENetwork, x: Tensor): { mu: Tensor; logvar: Tensor } {
  const h = net.encoder.forward(zeroMissing(x));
  return { mu: net.mu.forward(h), logvar: net.logvar.forward(h) };
}

/** Per-row −ELBO = BCE(decoder(z), x) + klWeight · KL, one z per row from gen, [rows] (NaN pixels masked). */
export function vaeNegElbo(net: VAENetwork, x: Tensor, gen: Generator, klWeight = 1): Tensor {
  const { mu, logvar } = vaePosterior(net, x);
  const kl = gaussianKl(mu, logvar);
  return add(sigmoidCrossEntropy(net.decoder.forward(reparameterize(mu, logvar, gen)), x), klWeight === 1 ? kl : scale(kl, klWeight));
}

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
  classifier: MLP;

  constructor(c: M1Config, gen: Generator, device: Device) {
    super();
    this.vae = new VAENetwork(vaeNetworkConfig(c.inputSize, c.hidden, c.latent, c.activation), gen, device);
    this.classifier = new MLP([c.latent, ...c.classifierHidden, c.classes], { activation: c.activation, generator: gen, device });
  }
}

export class M1 implements TrainableModel, Classifier, Encoder, Sampler {
  readonly config: M1Config;
  readonly module: M1Network;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;

  constructor(config: Partial<M1Config> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('m1', config);
    const c: M1Config = {
      kind: 'm1',
      inputSize: r.inputSize(),
      hidden: r.sizes('hidden', [600, 600]),
      latent: r.int('latent', 50),
      activation: r.choice('activation', 'softplus', M2_ACTIVATIONS),
      lr: r.number('lr', 1e-3, 0, 1, true),
      classifierHidden: r.sizes('classifierHidden', []),
      classifierLr: r.number('classifierLr', 1e-3, 0, 1, true),
      ...readSemiSupervised(r),
    };
    r.rejectUnknown();
    if (c.hidden.length === 0) throw new Error('m1: hidden must list at least one layer size');
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('m1: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new M1Network(this.config, this.generator, this.device);
    this.optimizers = {
      vae: new Adam(this.module.vae.parameters(), { lr: c.lr }),
      classifier: new Adam(this.module.classifier.parameters(), { lr: c.classifierLr }),
    };
  }

  /** One step of both parts: the VAE's mean −ELBO on batch.x, the classifier's cross-entropy on batch.labelled. */
  trainStep(batch: Batch): Record<string, number> {
    const x = batchInputs('m1', batch, this.config.inputSize, this.device);
    const labelled = labelledPart('m1', batch, this.config.inputSize, this.device);
    const negElbo = mean(vaeNegElbo(this.module.vae, x, this.generator));
    // the classifier sees the means as fixed inputs: its loss sends no gradient into the encoder
    const codes = noGrad(() => vaePosterior(this.module.vae, labelled.x).mu);
    const ce = classifierLoss('m1', this.module.classifier.forward(codes), labelled.labels, this.config.classWeights);
    const loss = add(negElbo, ce);
    for (const opt of Object.values(this.optimizers)) opt.zeroGrad();
    loss.backward();
    for (const opt of Object.values(this.optimizers)) opt.step();
    const v = noGrad(() => concatCols([negElbo, ce].map((t) => reshape(t, [1, 1])))).toArray();
    return { loss: v[0] + v[1], neg_elbo: v[0], cross_entropy: v[1] };
  }

  /** Sums over rows: error and cross_entropy of the classifier against batch.labels (NaN skipped), neg_elbo. */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs('m1', batch, this.config.inputSize, this.device);
    return noGrad(() => {
      const negElbo = sum(vaeNegElbo(this.module.vae, x, this.generator)).item();
      if (batch.labels === undefined) return { neg_elbo: negElbo };
      if (batch.labels.size !== x.rows) throw new Error(`m1: batch.labels has ${batch.labels.size} entries for ${x.rows} rows`);
      const logits = this.module.classifier.forward(vaePosterior(this.module.vae, x).mu);
      return { ...classificationSums(logits, batch.labels), neg_elbo: negElbo };
    });
  }

  /** The posterior means E[z|x], [rows, latent]. */
  encode(x: Tensor): Tensor {
    return vaePosterior(this.module.vae, checkInputs('m1.encode', x, 'x', this.config.inputSize, this.device)).mu;
  }

  /** p(y|x) of the classifier on the posterior means, [rows, classes]. */
  classify(x: Tensor): Tensor {
    return softmax(this.module.classifier.forward(this.encode(x)));
  }

  /** n samples sigmoid(decoder(z)), z ~ N(0, I) (no graph recorded). */
  sample(n: number): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`m1.sample: n must be a positive integer, got ${String(n)}`);
    return noGrad(() => sigmoid(this.module.vae.decoder.forward(randn([n, this.config.latent], this.generator, { device: this.device }))));
  }
}
