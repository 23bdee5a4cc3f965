// The GAN (Goodfellow et al.) with MLPs: a generator noiseSize-500-500-inputSize (leaky ReLU, sigmoid output:
// images in [0, 1]) and a discriminator inputSize-512-256-1 (leaky ReLU, dropout 0.3) giving one logit, trained
// with the non-saturating loss: D minimises softplus(-D(x)) + softplus(D(G(z))), G minimises softplus(-D(G(z))),
// each with its own Adam (2e-4, beta1 0.5). Both softplus terms are BCE-with-logits against targets 1 / 0, so the
// fused loss kernel computes loss and gradient at once. Noise z ~ N(0, I) from the model's generator. Samples come
// from an exponential moving average of the generator's weights (decay 0.999): on Fashion-MNIST the raw
// generator's samples stay speckled for many epochs, the average's are clean (Yazıcı et al. 2019).
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { fromArray, full } from '../ops/creation.js';
import { scale } from '../ops/elementwise.js';
import { addon, moveToward } from '../ops/raw.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { randn } from '../ops/random.js';
import { mean, sum } from '../ops/reduce.js';
import { concatCols, reshape } from '../ops/shape.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, zeroMissing } from './common.js';
import type { Batch, Decoder, ModelConfig, Sampler, TrainableModel } from './model.js';

export interface GANConfig extends ModelConfig {
  kind: 'gan';
  /** size of the noise vector z */
  noiseSize: number;
  generatorHidden: number[];
  /** the generator's hidden-layer nonlinearity */
  generatorActivation: 'relu' | 'leakyRelu';
  discriminatorHidden: number[];
  /** negative slope of the leaky ReLUs */
  slope: number;
  /** dropout after each of the discriminator's hidden layers while training */
  dropout: number;
  /** the discriminator's target for real rows (below 1: one-sided label smoothing) */
  realLabel: number;
  /** decay of the generator's exponential moving average used for sampling (0: sample the raw generator) */
  ema: number;
  /** Adam learning rate of both players */
  lr: number;
  /** Adam beta1 of both players (0.5 is the usual GAN choice) */
  beta1: number;
}

/** The parameter tree: generator and discriminator MLPs, and the generator's moving average (buffers). */
export class GANNetwork extends Module {
  generator: MLP;
  discriminator: MLP;
  average: MLP | null = null;

  constructor(c: GANConfig, gen: Generator, device: Device) {
    super();
    const generatorOptions = {
      activation: c.generatorActivation, slope: c.slope, outputActivation: 'sigmoid' as const, generator: gen, device,
    };
    this.generator = new MLP([c.noiseSize, ...c.generatorHidden, c.inputSize], generatorOptions);
    this.discriminator = new MLP([c.inputSize, ...c.discriminatorHidden, 1],
      { activation: 'leakyRelu', slope: c.slope, dropout: c.dropout, generator: gen, device });
    if (c.ema > 0) {
      this.average = new MLP([c.noiseSize, ...c.generatorHidden, c.inputSize], generatorOptions);
      const own = this.generator.parameters();
      this.average.parameters().forEach((t, i) => {
        t.requiresGrad = false;
        addon().copy(own[i].storage, own[i].offset, t.storage, t.offset, t.size);
      });
    }
  }

  /** average += (1 - decay) (generator - average), for every tensor (the SGD kernel on the difference). */
  updateAverage(decay: number): void {
    const average = this.average;
    if (average === null) return;
    const own = this.generator.parameters();
    moveToward(average.namedTensors().map(([, t]) => t), own, 1 - decay);
  }
}

export class GAN implements TrainableModel, Decoder, Sampler {
  readonly config: GANConfig;
  readonly module: GANNetwork;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;

  constructor(config: Partial<GANConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('gan', config);
    const c: GANConfig = {
      kind: 'gan',
      inputSize: r.inputSize(),
      noiseSize: r.int('noiseSize', 100),
      generatorHidden: r.sizes('generatorHidden', [500, 500]),
      generatorActivation: r.choice('generatorActivation', 'leakyRelu', ['relu', 'leakyRelu'] as const),
      discriminatorHidden: r.sizes('discriminatorHidden', [512, 256]),
      slope: r.number('slope', 0.2, 0, 1),
      dropout: r.number('dropout', 0.3, 0, 1, false, true),
      realLabel: r.number('realLabel', 1, 0.5, 1),
      ema: r.number('ema', 0.999, 0, 1, false, true),
      lr: r.number('lr', 2e-4, 0, 1, true),
      beta1: r.number('beta1', 0.5, 0, 1, false, true),
    };
    r.rejectUnknown();
    this.config = asConfig(c);
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('gan: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new GANNetwork(this.config, this.generator, this.device);
    const adam = { lr: c.lr, betas: [c.beta1, 0.999] as [number, number] };
    this.optimizers = {
      discriminator: new Adam(this.module.discriminator.parameters(), adam),
      generator: new Adam(this.module.generator.parameters(), adam),
    };
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
    const features = this.config.inputSize;
    // contiguous rows concatenate as one long row each
    const both = reshape(concatCols([reshape(x, [1, n * features]), reshape(fake, [1, n * features])]), [2 * n, features]);
    const labels = new Float32Array(2 * n);
    labels.fill(this.config.realLabel, 0, n);
    const targets = fromArray(labels, [2 * n, 1], { device: this.device });
    return sigmoidCrossEntropy(this.module.discriminator.forward(both), targets);
  }

  /** Per-row generator losses softplus(-D(fake)), [n]. */
  private generatorLosses(fake: Tensor): Tensor {
    const ones = full([fake.rows, 1], 1, { device: this.device });
    return sigmoidCrossEntropy(this.module.discriminator.forward(fake), ones);
  }

  /** One discriminator step on the batch and freshly generated fakes, then one generator step on new noise. */
  trainStep(batch: Batch): Record<string, number> {
    const x = zeroMissing(batchInputs('gan', batch, this.config.inputSize, this.device));
    const n = x.rows;
    const { discriminator: optD, generator: optG } = this.optimizers;
    const fake = noGrad(() => this.module.generator.forward(this.noise(n)));
    // mean over pairs: (Σ real + Σ fake) / n
    const dLoss = scale(sum(this.discriminatorLosses(x, fake)), 1 / n);
    optD.zeroGrad();
    dLoss.backward();
    optD.step();

    // D's weights get no gradient in G's step: it would be discarded, and its GEMMs cost a third of D's backward
    const dParams = this.module.discriminator.parameters();
    for (const p of dParams) p.requiresGrad = false;
    let gLoss: Tensor;
    try {
      gLoss = mean(this.generatorLosses(this.module.generator.forward(this.noise(n))));
      optG.zeroGrad();
      gLoss.backward();
    } finally {
      for (const p of dParams) p.requiresGrad = true;
    }
    optG.step();
    this.module.updateAverage(this.config.ema);
    return { d_loss: dLoss.item(), g_loss: gLoss.item() };
  }

  /** Sums over rows: d_loss (real row + one fake row each) and g_loss, with fakes from fresh noise. */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = zeroMissing(batchInputs('gan', batch, this.config.inputSize, this.device));
    return noGrad(() => {
      const fake = this.module.generator.forward(this.noise(x.rows));
      return { d_loss: sum(this.discriminatorLosses(x, fake)).item(), g_loss: sum(this.generatorLosses(fake)).item() };
    });
  }

  /** G(z) in [0, 1] for codes z, [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    checkInputs('gan.decode', z, 'z', this.config.noiseSize, this.device);
    return (this.module.average ?? this.module.generator).forward(z);
  }

  /** n samples G(z), z ~ N(0, I) (no graph recorded). */
  sample(n: number): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`gan.sample: n must be a positive integer, got ${String(n)}`);
    return noGrad(() => this.decode(this.noise(n)));
  }
}
