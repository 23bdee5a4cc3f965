// The GAN (Goodfellow et al.) with MLPs: a generator noiseSize-500-500-inputSize (leaky ReLU, sigmoid output:
// images in [0, 1]) and a discriminator inputSize-512-256-1 (leaky ReLU, dropout 0.3) giving one logit, trained
// with the non-saturating loss: D minimises softplus(-D(x)) + softplus(D(G(z))), G minimises softplus(-D(G(z))),
// each with its own Adam (2e-4, beta1 0.5). Both softplus terms are BCE-with-logits against targets 1 / 0, so the
// fused loss kernel computes loss and gradient at once. Noise z ~ N(0, I) from the model's generator. Samples come
// from an exponential moving average of the generator's weights (decay 0.999): on Fashion-MNIST the raw
// generator's samples stay speckled for many epochs, the average's are clean (Yazıcı et al. 2019).
import { noGrad } from '../autograd.js';
import { startAverage, updateAverage } from '../nn/average.js';
import { withFrozen } from '../nn/frozen.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import type { AdamOptions } from '../optim/adam.js';
import { fromArray, full } from '../ops/creation.js';
import { scale } from '../ops/elementwise.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { randn } from '../ops/random.js';
import { mean, sum } from '../ops/reduce.js';
import { concatRows } from '../ops/shape.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Decoder, Sampler } from '../train/contract.js';
import { Model, readScalars, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import { GENERATIVE, type KindSpec } from './kind.js';
import { checkOutputSpec, fusedOutputActivation, generatedData, type LikelihoodSpec } from './parts/likelihood.js';
import { choice, likelihood, fraction, int, number, rate, sizes, type ConfigInput, type ConfigOf } from './options.js';

const ganOptions = {
  /** size of the noise vector z */
  noiseSize: int(100),
  generatorHidden: sizes([500, 500]),
  /** the generator's hidden-layer nonlinearity */
  generatorActivation: choice('leakyRelu', ['relu', 'leakyRelu'] as const),
  discriminatorHidden: sizes([512, 256]),
  /** negative slope of the leaky ReLUs */
  slope: number(0.2, 0, 1),
  /** dropout after each of the discriminator's hidden layers while training */
  dropout: fraction(0.3),
  /** the discriminator's target for real rows (below 1: one-sided label smoothing) */
  realLabel: number(1, 0.5, 1),
  /** decay of the generator's exponential moving average used for sampling (0: sample the raw generator) */
  ema: fraction(0.999),
  /** Adam learning rate of both players */
  lr: rate(2e-4),
  /** Adam beta1 of both players (0.5 is the usual GAN choice) */
  beta1: fraction(0.5),
  /** what the generator's columns are: 'bernoulli' (a sigmoid: inputs in [0, 1]), 'gaussian' (as they are), or a
   *  table's mixed columns (a softmax per categorical column) */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

export type GANConfig = ConfigOf<'gan', typeof ganOptions>;

/** The parameter tree: generator and discriminator MLPs, and the generator's moving average (buffers). */
export class GANNetwork extends Module {
  generator: MLP;
  discriminator: MLP;
  average: MLP | null = null;

  readonly likelihood: LikelihoodSpec;

  constructor(c: GANConfig, gen: Generator, device: Device) {
    super();
    this.likelihood = c.likelihood;
    checkOutputSpec(c.likelihood, c.inputSize);
    const generatorOptions = {
      activation: c.generatorActivation, slope: c.slope, outputActivation: fusedOutputActivation(c.likelihood), generator: gen, device,
    };
    this.generator = new MLP([c.noiseSize, ...c.generatorHidden, c.inputSize], generatorOptions);
    this.discriminator = new MLP([c.inputSize, ...c.discriminatorHidden, 1],
      { activation: 'leakyRelu', slope: c.slope, dropout: c.dropout, generator: gen, device });
    if (c.ema > 0) {
      this.average = new MLP([c.noiseSize, ...c.generatorHidden, c.inputSize], generatorOptions);
      startAverage(this.average, this.generator);
    }
  }

  /** Rows from codes z through the generator (or its average), as data (generatedData of its last layer). */
  generate(z: Tensor, useAverage = false): Tensor {
    const out = (useAverage ? this.average ?? this.generator : this.generator).forward(z);
    return generatedData(this.likelihood, out);
  }
}

export class GAN extends Model<GANConfig, GANNetwork> implements Decoder, Sampler {
  constructor(config: ConfigInput<'gan', typeof ganOptions>, options: ModelOptions = {}) {
    super(ganKind, config, options, (c, g, d) => new GANNetwork(c, g, d));
  }


  protected override optimizerGroups(): Record<string, [Module, AdamOptions]> {
    const adam = { lr: this.config.lr, betas: [this.config.beta1, 0.999] as [number, number] };
    return { discriminator: [this.module.discriminator, adam], generator: [this.module.generator, adam] };
  }

  /** z ~ N(0, I), [n, noiseSize] */
  noise(n: number): Tensor {
    return randn([n, this.config.noiseSize], this.generator, { device: this.device });
  }

  /**
   * Per-row discriminator losses [2n] of n real rows and n fake rows, passed through D as one batch of 2n rows:
   * softplus(-D(x)) for the real ones, softplus(D(G(z))) for the fakes.
   */
  private discriminatorLosses(x: Tensor, fake: Tensor): Tensor {
    const n = x.rows;
    const labels = new Float32Array(2 * n);
    labels.fill(this.config.realLabel, 0, n);
    const targets = fromArray(labels, [2 * n, 1], { device: this.device });
    return sigmoidCrossEntropy(this.module.discriminator.forward(concatRows([x, fake])), targets);
  }

  /** Per-row generator losses softplus(-D(fake)), [n]. */
  private generatorLosses(fake: Tensor): Tensor {
    const ones = full([fake.rows, 1], 1, { device: this.device });
    return sigmoidCrossEntropy(this.module.discriminator.forward(fake), ones);
  }

  /** The discriminator's objective on the batch and freshly generated fakes: mean over pairs, (Σ real + Σ fake) / n. */
  protected losses(batch: Batch): Objective {
    const x = zeroMissing(this.inputs(batch));
    const fake = noGrad(() => this.module.generate(this.noise(x.rows)));
    return { loss: scale(sum(this.discriminatorLosses(x, fake)), 1 / x.rows), optimizers: ['discriminator'] };
  }

  /** One discriminator step, then one generator step on new noise with D frozen, then the average follows G. */
  override trainStep(batch: Batch): Record<string, number> {
    const d = this.losses(batch);
    this.step(d.loss, d.optimizers);
    const n = (batch.x as Tensor).rows;
    const gLoss = withFrozen([this.module.discriminator], () => {
      const loss = mean(this.generatorLosses(this.module.generate(this.noise(n))));
      this.step(loss, ['generator']);
      return loss;
    });
    if (this.module.average !== null) updateAverage(this.module.average, this.module.generator, this.config.ema);
    return readScalars({ d_loss: d.loss, g_loss: gLoss });
  }

  /** Sums over rows: d_loss (real row + one fake row each) and g_loss, with fakes from fresh noise. */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = zeroMissing(this.inputs(batch));
    return noGrad(() => {
      const fake = this.module.generate(this.noise(x.rows));
      return { d_loss: sum(this.discriminatorLosses(x, fake)).item(), g_loss: sum(this.generatorLosses(fake)).item() };
    });
  }

  /** G(z) for codes z, [rows, inputSize] (in [0, 1] for Bernoulli columns), from the average where there is one. */
  decode(z: Tensor): Tensor {
    return this.module.generate(this.argument('decode', z, 'z', this.config.noiseSize), true);
  }

  /** n samples G(z), z ~ N(0, I) (no graph recorded). */
  sample(n: number): Tensor {
    this.checkCount('sample', n);
    return noGrad(() => this.decode(this.noise(n)));
  }
}

export const ganKind: KindSpec = {
  kind: 'gan', schema: ganOptions, describe: 'MLP GAN, non-saturating loss', ...GENERATIVE, batchSize: 100, monitor: null,
  create: (config, options) => new GAN(config as ConfigInput<'gan', typeof ganOptions>, options),
};
