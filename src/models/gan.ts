// The GAN (Goodfellow et al.) with MLPs: a generator noiseSize-500-500-inputSize (ReLU, sigmoid output: images in
// [0, 1]) and a discriminator inputSize-hidden...-1 (leaky ReLU) giving one logit, trained with the
// non-saturating loss: D minimises softplus(-D(x)) + softplus(D(G(z))), G minimises softplus(-D(G(z))), each with
// its own Adam. Both softplus terms are BCE-with-logits against targets 1 / 0, so the fused loss kernel computes
// loss and gradient at once. Noise z ~ N(0, I) from the model's generator.
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { fromArray, full } from '../ops/creation.js';
import { scale } from '../ops/elementwise.js';
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
  discriminatorHidden: number[];
  /** negative slope of the discriminator's leaky ReLUs */
  slope: number;
  /** Adam learning rate of both players */
  lr: number;
  /** Adam beta1 of both players (0.5 is the usual GAN choice) */
  beta1: number;
}

/** The parameter tree: generator and discriminator MLPs. */
export class GANNetwork extends Module {
  generator: MLP;
  discriminator: MLP;

  constructor(c: GANConfig, gen: Generator, device: Device) {
    super();
    this.generator = new MLP([c.noiseSize, ...c.generatorHidden, c.inputSize],
      { activation: 'relu', outputActivation: 'sigmoid', generator: gen, device });
    this.discriminator = new MLP([c.inputSize, ...c.discriminatorHidden, 1],
      { activation: 'leakyRelu', slope: c.slope, generator: gen, device });
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
      discriminatorHidden: r.sizes('discriminatorHidden', [512, 256]),
      slope: r.number('slope', 0.2, 0, 1),
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
    labels.fill(1, 0, n);
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
    return this.module.generator.forward(z);
  }

  /** n samples G(z), z ~ N(0, I) (no graph recorded). */
  sample(n: number): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`gan.sample: n must be a positive integer, got ${String(n)}`);
    return noGrad(() => this.decode(this.noise(n)));
  }
}
