// The semi-supervised GAN of Salimans et al. 2016 ("Improved Techniques for Training GANs", MNIST): a K-way
// discriminator whose log-sum-exp over the K logits is its real/fake logit, and a generator trained by feature
// matching. D minimises CE(labelled) + w·[mean(softplus(lse_u) - lse_u) + mean(softplus(lse_fake))] (w = 1/2 in the
// authors' code); G minimises the mean squared difference between the mean last-hidden features of real
// unlabelled rows and of fakes. Noise z ~ U(0, 1). Networks in ssgan-networks.ts; the first training step
// initialises the discriminator from its batch (the `initialized` buffer records that, for checkpoints). As in the
// authors' code, a moving average of the discriminator's weights classifies (steadier than the raw weights).
import { noGrad } from '../autograd.js';
import { addon, moveToward } from '../ops/raw.js';
import { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { square } from '../ops/activations.js';
import { fromArray, zeros } from '../ops/creation.js';
import { add, scale, sub } from '../ops/elementwise.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { rand } from '../ops/random.js';
import { logsumexp, mean, softmax, sum } from '../ops/reduce.js';
import { concatCols, reshape, sliceCols } from '../ops/shape.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, zeroMissing } from './common.js';
import type { Batch, Classifier, Decoder, ModelConfig, Sampler, TrainableModel } from './model.js';
import { classificationSums, classifierLoss, labelledPart, readSemiSupervised, type SemiSupervisedOptions } from './semi.js';
import { SSGANDiscriminator, SSGANGenerator } from './ssgan-networks.js';

export interface SSGANConfig extends ModelConfig, SemiSupervisedOptions {
  kind: 'ssgan';
  /** size of the noise vector z ~ U(0, 1) */
  noiseSize: number;
  generatorHidden: number[];
  discriminatorHidden: number[];
  /** standard deviation of the Gaussian noise on the discriminator's input (training only) */
  inputNoise: number;
  /** standard deviation of the Gaussian noise on each discriminator hidden layer's output (training only) */
  hiddenNoise: number;
  /** weight w of the discriminator's unsupervised (real/fake) terms */
  unsupervisedWeight: number;
  /** Adam learning rate of both players */
  lr: number;
  /** Adam beta1 of both players */
  beta1: number;
  /**
   * Adam epsilon of both players. 1e-4, not 1e-8: the authors' Adam divides by sqrt(v + 1e-8), which damps
   * parameters whose gradients are near zero; with 1e-8 added outside the root, D overpowers G on MNIST within 3
   * epochs (feature-matching loss 60+, test error stuck near 20%).
   */
  eps: number;
  /** decay of the discriminator's moving average that classifies and evaluates (0: the discriminator itself) */
  average: number;
}

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
    this.generator = new SSGANGenerator({ noiseSize: c.noiseSize, hidden: c.generatorHidden, outputSize: c.inputSize },
      gen, device);
    if (c.average > 0) {
      this.average = new SSGANDiscriminator(options, gen, device);
      for (const t of this.average.parameters()) t.requiresGrad = false;
      this.updateAverage(0);
    }
    this.initialized = this.register('initialized', zeros([1], { device }));
  }

  /** The discriminator that classifies: the moving average when there is one. */
  get classifier(): SSGANDiscriminator {
    return this.average ?? this.discriminator;
  }

  /** average += (1 - decay) (discriminator - average) for every tensor (decay 0: a copy); the SGD kernel as axpy. */
  updateAverage(decay: number): void {
    const average = this.average;
    if (average === null) return;
    const own = this.discriminator.namedTensors().map(([, t]) => t);
    moveToward(average.namedTensors().map(([, t]) => t), own, 1 - decay);
  }
}

/** The rows of several [rows, cols] tensors stacked (contiguous rows concatenate as one long row each). */
function stackRows(parts: Tensor[]): Tensor {
  const cols = parts[0].cols;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  return reshape(concatCols(parts.map((p) => reshape(p, [1, p.size]))), [rows, cols]);
}

/** Rows [start, end) of a [rows, cols] tensor. */
function sliceRows(x: Tensor, start: number, end: number): Tensor {
  const cols = x.cols;
  return reshape(sliceCols(reshape(x, [1, x.size]), start * cols, end * cols), [end - start, cols]);
}

export class SSGAN implements TrainableModel, Classifier, Decoder, Sampler {
  readonly config: SSGANConfig;
  readonly module: SSGANNetwork;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;

  constructor(config: Partial<SSGANConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('ssgan', config);
    const c: SSGANConfig = {
      kind: 'ssgan',
      inputSize: r.inputSize(),
      ...readSemiSupervised(r),
      noiseSize: r.int('noiseSize', 100),
      generatorHidden: r.sizes('generatorHidden', [500, 500]),
      discriminatorHidden: r.sizes('discriminatorHidden', [1000, 500, 250, 250, 250]),
      inputNoise: r.number('inputNoise', 0.3, 0, Infinity, false, true),
      hiddenNoise: r.number('hiddenNoise', 0.5, 0, Infinity, false, true),
      unsupervisedWeight: r.number('unsupervisedWeight', 0.5, 0, Infinity, false, true),
      lr: r.number('lr', 3e-3, 0, 1, true),
      beta1: r.number('beta1', 0.5, 0, 1, false, true),
      eps: r.number('eps', 1e-4, 0, 1, true),
      average: r.number('average', 0.999, 0, 1, false, true),
    };
    r.rejectUnknown();
    if (c.discriminatorHidden.length === 0) throw new Error('ssgan: discriminatorHidden must list at least one layer size');
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('ssgan: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new SSGANNetwork(this.config, this.generator, this.device);
    const adam = { lr: c.lr, betas: [c.beta1, 0.999] as [number, number], eps: c.eps };
    this.optimizers = {
      discriminator: new Adam(this.module.discriminator.parameters(), adam),
      generator: new Adam(this.module.generator.parameters(), adam),
    };
  }

  /** z ~ U(0, 1), [n, noiseSize] */
  noise(n: number): Tensor {
    return rand([n, this.config.noiseSize], this.generator, { device: this.device });
  }

  /**
   * The discriminator's loss on m labelled rows, n unlabelled rows and n fakes, passed through D as one batch:
   * CE of the labelled rows + w·Σ over the other rows of BCE-with-logits(lse, 1 for real, 0 for fake) / n, which
   * is w·[mean(softplus(lse_u) - lse_u) + mean(softplus(lse_fake))]; NaN targets leave the labelled rows out.
   */
  private discriminatorLoss(xl: Tensor, labels: Tensor, xu: Tensor, fake: Tensor): { supervised: Tensor; unsupervised: Tensor } {
    const m = xl.rows;
    const n = xu.rows;
    const logits = this.module.discriminator.logits(stackRows([xl, xu, fake]));
    const supervised = classifierLoss('ssgan', sliceRows(logits, 0, m), labels, this.config.classWeights);
    const targets = new Float32Array(m + 2 * n).fill(NaN);
    targets.fill(1, m, m + n).fill(0, m + n);
    const lse = reshape(logsumexp(logits, -1), [m + 2 * n, 1]);
    const bce = sigmoidCrossEntropy(lse, fromArray(targets, [m + 2 * n, 1], { device: this.device }));
    return { supervised, unsupervised: scale(sum(bce), this.config.unsupervisedWeight / n) };
  }

  /** Feature matching: mean over features of (mean real features - mean fake features)^2. */
  private generatorLoss(xu: Tensor, n: number): Tensor {
    const d = this.module.discriminator;
    // D is frozen here: its weights are computed once for both passes
    const weights = noGrad(() => d.weights());
    const target = noGrad(() => mean(d.run(xu, false, weights).features, 0));
    const generated = mean(d.run(this.module.generator.forward(this.noise(n)), false, weights).features, 0);
    return mean(square(sub(target, generated)));
  }

  /**
   * One discriminator step on batch.labelled, batch.x (the unlabelled stream) and fakes, then one generator step
   * on new noise against batch.x. The first step first initialises the discriminator from batch.x.
   */
  trainStep(batch: Batch): Record<string, number> {
    const xu = zeroMissing(batchInputs('ssgan', batch, this.config.inputSize, this.device));
    const labelled = labelledPart('ssgan', batch, this.config.inputSize, this.device);
    const xl = zeroMissing(labelled.x);
    const n = xu.rows;
    if (this.module.initialized.item() === 0) {
      if (n < 2) throw new Error(`ssgan: the first batch initialises the discriminator and needs at least 2 rows, got ${n}`);
      this.module.discriminator.initFromData(xu);
      this.module.updateAverage(0);
      const flag = this.module.initialized;
      addon().fill(flag.storage, flag.offset, 1, 1);
    }
    const { discriminator: optD, generator: optG } = this.optimizers;
    const fake = noGrad(() => this.module.generator.forward(this.noise(n)));
    const { supervised, unsupervised } = this.discriminatorLoss(xl, labelled.labels, xu, fake);
    const dLoss = add(supervised, unsupervised);
    optD.zeroGrad();
    dLoss.backward();
    optD.step();
    this.module.updateAverage(this.config.average);

    // D's weights get no gradient in G's step: it would be discarded
    const dParams = this.module.discriminator.parameters();
    for (const p of dParams) p.requiresGrad = false;
    let gLoss: Tensor;
    try {
      gLoss = this.generatorLoss(xu, n);
      optG.zeroGrad();
      gLoss.backward();
    } finally {
      for (const p of dParams) p.requiresGrad = true;
    }
    optG.step();
    return { d_loss: dLoss.item(), supervised: supervised.item(), unsupervised: unsupervised.item(), g_loss: gLoss.item() };
  }

  /**
   * Sums over the labelled rows of batch.labels (NaN rows skipped): error and cross_entropy of the K logits of the
   * discriminator's moving average (of the discriminator itself with average 0).
   */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = zeroMissing(batchInputs('ssgan', batch, this.config.inputSize, this.device));
    const labels = batch.labels;
    if (labels === undefined || labels === null || typeof labels !== 'object' || !('shape' in labels)) {
      throw new Error('ssgan: evaluateBatch needs batch.labels (a Tensor, NaN for unlabelled rows)');
    }
    labels.assertLive('ssgan', 'batch.labels');
    if (labels.size !== x.rows) throw new Error(`ssgan: batch.labels has ${labels.size} entries for ${x.rows} rows`);
    return noGrad(() => classificationSums(this.module.classifier.logits(x), labels));
  }

  /** p(y|x) = softmax of the K logits of D's moving average (or D), [rows, classes]; noise only in training mode. */
  classify(x: Tensor): Tensor {
    const input = checkInputs('ssgan.classify', x, 'x', this.config.inputSize, this.device);
    return softmax(this.module.classifier.logits(zeroMissing(input)));
  }

  /** G(z) in [0, 1] for codes z, [rows, noiseSize] -> [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    checkInputs('ssgan.decode', z, 'z', this.config.noiseSize, this.device);
    return this.module.generator.forward(z);
  }

  /** n samples G(z), z ~ U(0, 1) (no graph recorded; batch norm as the module's mode says). */
  sample(n: number): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`ssgan.sample: n must be a positive integer, got ${String(n)}`);
    return noGrad(() => this.decode(this.noise(n)));
  }
}
