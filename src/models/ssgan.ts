// The semi-supervised GAN of Salimans et al. 2016 ("Improved Techniques for Training GANs", MNIST): a K-way
// discriminator whose log-sum-exp over the K logits is its real/fake logit, and a generator trained by feature
// matching. D minimises CE(labelled) + w·[mean(softplus(lse_u) - lse_u) + mean(softplus(lse_fake))] (w = 1/2 in the
// authors' code); G minimises the mean squared difference between the mean last-hidden features of real
// unlabelled rows and of fakes. Noise z ~ U(0, 1). Networks in ssgan-networks.ts; the first training step
// initialises the discriminator from its batch (the `initialized` buffer records that, for checkpoints). As in the
// authors' code, a moving average of the discriminator's weights classifies (steadier than the raw weights).
import { noGrad } from '../autograd.js';
import { startAverage, updateAverage } from '../nn/average.js';
import { withFrozen } from '../nn/frozen.js';
import { Module } from '../nn/module.js';
import type { AdamOptions } from '../optim/adam.js';
import { square } from '../ops/activations.js';
import { fromArray, zeros } from '../ops/creation.js';
import { add, scale, sub } from '../ops/elementwise.js';
import { fill_ } from '../ops/inplace.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { rand } from '../ops/random.js';
import { logsumexp, mean, sum } from '../ops/reduce.js';
import { concatRows, reshape, sliceRows } from '../ops/shape.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Decoder, Sampler } from '../train/contract.js';
import { SemiSupervisedModel, readScalars, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import type { KindSpec } from './kind.js';
import { fraction, int, likelihood, rate, sizes, weight, type ConfigInput, type ConfigOf } from './options.js';
import { classifierLoss, SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';
import { SSGANDiscriminator, SSGANGenerator } from './ssgan-networks.js';

const ssganOptions = {
  ...SEMI_SUPERVISED_OPTIONS,
  /** size of the noise vector z ~ U(0, 1) */
  noiseSize: int(100),
  generatorHidden: sizes([500, 500]),
  discriminatorHidden: sizes([1000, 500, 250, 250, 250], 1),
  /** standard deviation of the Gaussian noise on the discriminator's input (training only) */
  inputNoise: weight(0.3),
  /** standard deviation of the Gaussian noise on each discriminator hidden layer's output (training only) */
  hiddenNoise: weight(0.5),
  /** weight w of the discriminator's unsupervised (real/fake) terms */
  unsupervisedWeight: weight(0.5),
  /** Adam learning rate of both players */
  lr: rate(3e-3),
  /** Adam beta1 of both players */
  beta1: fraction(0.5),
  /**
   * Adam epsilon of both players. 1e-4, not 1e-8: the authors' Adam divides by sqrt(v + 1e-8), which damps
   * parameters whose gradients are near zero; with 1e-8 added outside the root, D overpowers G on MNIST within 3
   * epochs (feature-matching loss 60+, test error stuck near 20%).
   */
  eps: rate(1e-4),
  /** decay of the discriminator's moving average that classifies and evaluates (0: the discriminator itself) */
  average: fraction(0.999),
  /** what the generator's columns are: 'bernoulli' (a sigmoid: inputs in [0, 1]), 'gaussian' (as they are), or a
   *  table's mixed columns (a softmax per categorical column) */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

export type SSGANConfig = ConfigOf<'ssgan', typeof ssganOptions>;

/**
 * The parameter tree: both networks, the discriminator's moving average (buffers) and the flag saying whether the
 * data-dependent initialisation has run.
 */
export class SSGANNetwork extends Module {
  discriminator: SSGANDiscriminator;
  generator: SSGANGenerator;
  average: SSGANDiscriminator | null = null;
  /** [1]: 0 until the first training step has initialised the discriminator from its batch, then 1 */
  initialized: Tensor;

  constructor(c: SSGANConfig, gen: Generator, device: Device) {
    super();
    const options = {
      inputSize: c.inputSize, hidden: c.discriminatorHidden, classes: c.classes, inputNoise: c.inputNoise,
      hiddenNoise: c.hiddenNoise,
    };
    this.discriminator = new SSGANDiscriminator(options, gen, device);
    this.generator = new SSGANGenerator({ noiseSize: c.noiseSize, hidden: c.generatorHidden, outputSize: c.inputSize,
      likelihood: c.likelihood }, gen, device);
    if (c.average > 0) {
      this.average = new SSGANDiscriminator(options, gen, device);
      startAverage(this.average, this.discriminator, false);
      this.followDiscriminator(0);
    }
    this.initialized = this.register('initialized', zeros([1], { device }));
  }

  /** The discriminator that classifies: the moving average when there is one. */
  get classifier(): SSGANDiscriminator {
    return this.average ?? this.discriminator;
  }

  /** average += (1 - decay) (discriminator - average) for every tensor (decay 0: a copy). */
  followDiscriminator(decay: number): void {
    if (this.average !== null) updateAverage(this.average, this.discriminator, decay);
  }
}

export class SSGAN extends SemiSupervisedModel<SSGANConfig, SSGANNetwork> implements Decoder, Sampler {
  constructor(config: ConfigInput<'ssgan', typeof ssganOptions>, options: ModelOptions = {}) {
    super(ssganKind, config, options, (c, g, d) => new SSGANNetwork(c, g, d));
  }


  protected override optimizerGroups(): Record<string, [Module, AdamOptions]> {
    const adam = { lr: this.config.lr, betas: [this.config.beta1, 0.999] as [number, number], eps: this.config.eps };
    return { discriminator: [this.module.discriminator, adam], generator: [this.module.generator, adam] };
  }

  /** z ~ U(0, 1), [n, noiseSize] */
  noise(n: number): Tensor {
    return rand([n, this.config.noiseSize], this.generator, { device: this.device });
  }

  /** The K logits of the discriminator's moving average (or D) for x; noise only in training mode. */
  protected logits(x: Tensor): Tensor {
    return this.module.classifier.logits(zeroMissing(x));
  }

  /**
   * The discriminator's loss on m labelled rows, n unlabelled rows (batch.x) and n fakes, passed through D as one
   * batch: CE of the labelled rows + w·Σ over the other rows of BCE-with-logits(lse, 1 for real, 0 for fake) / n,
   * which is w·[mean(softplus(lse_u) - lse_u) + mean(softplus(lse_fake))]; NaN targets leave the labelled rows out.
   * The first step first initialises the discriminator from batch.x.
   */
  protected losses(batch: Batch): Objective {
    return this.discriminatorLosses(batch, zeroMissing(this.inputs(batch)));
  }

  /** losses(batch) with batch.x already checked and its missing values zeroed (xu). */
  private discriminatorLosses(batch: Batch, xu: Tensor): Objective {
    const labelled = this.labelled(batch);
    const xl = zeroMissing(labelled.x);
    const m = xl.rows;
    const n = xu.rows;
    if (this.module.initialized.item() === 0) this.initialize(xu);
    const fake = noGrad(() => this.module.generator.forward(this.noise(n)));
    const logits = this.module.discriminator.logits(concatRows([xl, xu, fake]));
    const supervised = classifierLoss(this.kind, sliceRows(logits, 0, m), labelled.labels, this.config.classWeights);
    const targets = new Float32Array(m + 2 * n).fill(NaN);
    targets.fill(1, m, m + n).fill(0, m + n);
    const lse = reshape(logsumexp(logits, -1), [m + 2 * n, 1]);
    const bce = sigmoidCrossEntropy(lse, fromArray(targets, [m + 2 * n, 1], { device: this.device }));
    const unsupervised = scale(sum(bce), this.config.unsupervisedWeight / n);
    return { loss: add(supervised, unsupervised), metrics: { supervised, unsupervised }, optimizers: ['discriminator'] };
  }

  /** The data-dependent initialisation of the discriminator from the first batch, recorded in the module. */
  private initialize(xu: Tensor): void {
    if (xu.rows < 2) throw new Error(`ssgan: the first batch initialises the discriminator and needs at least 2 rows, got ${xu.rows}`);
    this.module.discriminator.initFromData(xu);
    this.module.followDiscriminator(0);
    fill_(this.module.initialized, 1);
  }

  /** Feature matching: mean over features of (mean real features - mean fake features)^2. */
  private generatorLoss(xu: Tensor): Tensor {
    const d = this.module.discriminator;
    // D is frozen here: its weights are computed once for both passes
    const weights = noGrad(() => d.weights());
    const target = noGrad(() => mean(d.run(xu, false, weights).features, 0));
    const generated = mean(d.run(this.module.generator.forward(this.noise(xu.rows)), false, weights).features, 0);
    return mean(square(sub(target, generated)));
  }

  /** One discriminator step, the average follows it, then one generator step on new noise against batch.x. */
  override trainStep(batch: Batch): Record<string, number> {
    const xu = zeroMissing(this.inputs(batch));
    const d = this.discriminatorLosses(batch, xu);
    this.step(d.loss, d.optimizers);
    this.module.followDiscriminator(this.config.average);
    const gLoss = withFrozen([this.module.discriminator], () => {
      const loss = this.generatorLoss(xu);
      this.step(loss, ['generator']);
      return loss;
    });
    return readScalars({ d_loss: d.loss, ...d.metrics, g_loss: gLoss });
  }

  /** G(z) for codes z, [rows, noiseSize] -> [rows, inputSize] (in [0, 1] for Bernoulli columns). */
  decode(z: Tensor): Tensor {
    return this.module.generator.forward(this.argument('decode', z, 'z', this.config.noiseSize));
  }

  /** n samples G(z), z ~ U(0, 1) (no graph recorded; batch norm as the module's mode says). */
  sample(n: number): Tensor {
    this.checkCount('sample', n);
    return noGrad(() => this.decode(this.noise(n)));
  }
}

export const ssganKind: KindSpec = {
  kind: 'ssgan', schema: ssganOptions,
  describe: 'semi-supervised GAN (K-way discriminator, feature matching)', ...SEMI_SUPERVISED,
  create: (config, options) => new SSGAN(config as ConfigInput<'ssgan', typeof ssganOptions>, options),
};
