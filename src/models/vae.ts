// The variational autoencoder (Kingma & Welling): an MLP encoder to a Gaussian latent (mu and logvar heads), the
// reparameterised sample z = mu + eps·exp(logvar / 2), the mirrored MLP decoder giving Bernoulli logits, and the
// loss BCE-with-logits summed over pixels + beta·KL(q(z|x) || N(0, I)) (analytic), averaged over the batch.
// Default sizes are DESIGN.md's vae-step: 784-512-256-z32. Evaluation is the anchor's one-sample -ELBO in nats
// per image (../shared/anchors/torch_vae_quality.py: BCE on [0, 1] pixels, z sampled, beta = 1).
import { noGrad } from '../autograd.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { add, scale } from '../ops/elementwise.js';
import { gaussianKl, sigmoidCrossEntropy } from '../ops/losses.js';
import { randn, reparameterize } from '../ops/random.js';
import { mean, sum } from '../ops/reduce.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, forwardWithOutput, zeroMissing } from './common.js';
import type { Batch, Decoder, Encoder, ModelConfig, Sampler, TrainableModel } from './model.js';

export interface VAEConfig extends ModelConfig {
  kind: 'vae';
  /** encoder hidden sizes; the decoder mirrors them */
  hidden: number[];
  latent: number;
  /** weight of the KL term in the training loss (1: the ELBO; evaluation always uses 1) */
  beta: number;
  activation: 'relu' | 'leakyRelu' | 'tanh' | 'softplus';
  /** Adam learning rate */
  lr: number;
}

/** The parameter tree: encoder MLP (every layer with the activation), the two heads, decoder MLP (logits). */
export class VAENetwork extends Module {
  encoder: MLP;
  mu: Linear;
  logvar: Linear;
  decoder: MLP;

  constructor(c: VAEConfig, generator: Generator, device: Device) {
    super();
    const options = { activation: c.activation, generator, device };
    const top = c.hidden[c.hidden.length - 1];
    this.encoder = new MLP([c.inputSize, ...c.hidden], { ...options, outputActivation: c.activation });
    this.mu = new Linear(top, c.latent, { generator, device });
    this.logvar = new Linear(top, c.latent, { generator, device });
    this.decoder = new MLP([c.latent, ...[...c.hidden].reverse(), c.inputSize], options);
  }
}

export class VAE implements TrainableModel, Encoder, Decoder, Sampler {
  readonly config: VAEConfig;
  readonly module: VAENetwork;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;

  constructor(config: Partial<VAEConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('vae', config);
    const c: VAEConfig = {
      kind: 'vae',
      inputSize: r.inputSize(),
      hidden: r.sizes('hidden', [512, 256]),
      latent: r.int('latent', 32),
      beta: r.number('beta', 1, 0, Infinity, false, true),
      activation: r.choice('activation', 'relu', ['relu', 'leakyRelu', 'tanh', 'softplus'] as const),
      lr: r.number('lr', 1e-3, 0, 1, true),
    };
    r.rejectUnknown();
    if (c.hidden.length === 0) throw new Error('vae: hidden must list at least one layer size');
    this.config = asConfig(c);
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('vae: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new VAENetwork(this.config, this.generator, this.device);
    this.optimizers = { adam: new Adam(this.module.parameters(), { lr: this.config.lr }) };
  }

  /** mu and logvar of q(z|x), each [rows, latent]. */
  posterior(x: Tensor): { mu: Tensor; logvar: Tensor } {
    const h = this.module.encoder.forward(zeroMissing(x));
    return { mu: this.module.mu.forward(h), logvar: this.module.logvar.forward(h) };
  }

  /** Per-row reconstruction BCE and KL, each [rows], with z sampled from q(z|x) by the model's generator. */
  terms(x: Tensor): { reconstruction: Tensor; kl: Tensor } {
    const { mu, logvar } = this.posterior(x);
    const z = reparameterize(mu, logvar, this.generator);
    const logits = this.module.decoder.forward(z);
    return { reconstruction: sigmoidCrossEntropy(logits, x), kl: gaussianKl(mu, logvar) };
  }

  trainStep(batch: Batch): Record<string, number> {
    const x = batchInputs('vae', batch, this.config.inputSize, this.device);
    const { reconstruction, kl } = this.terms(x);
    const beta = this.config.beta;
    const loss = mean(add(reconstruction, beta === 1 ? kl : scale(kl, beta)));
    const adam = this.optimizers.adam;
    adam.zeroGrad();
    loss.backward();
    adam.step();
    return { loss: loss.item() };
  }

  /** Sums over rows: neg_elbo = Σ (BCE + KL) in nats (beta = 1, one sample of z), and its two parts. */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs('vae', batch, this.config.inputSize, this.device);
    return noGrad(() => {
      const { reconstruction, kl } = this.terms(x);
      const r = sum(reconstruction).item();
      const k = sum(kl).item();
      return { neg_elbo: r + k, reconstruction: r, kl: k };
    });
  }

  /** The posterior mean mu, [rows, latent]. */
  encode(x: Tensor): Tensor {
    return this.posterior(checkInputs('vae.encode', x, 'x', this.config.inputSize, this.device)).mu;
  }

  /** Bernoulli means sigmoid(decoder(z)), [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    checkInputs('vae.decode', z, 'z', this.config.latent, this.device);
    return forwardWithOutput(this.module.decoder, z, 'sigmoid');
  }

  /** decode(mu(x)) */
  reconstruct(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }

  /** n samples decode(z), z ~ N(0, I) from the model's generator (no graph recorded). */
  sample(n: number): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`vae.sample: n must be a positive integer, got ${String(n)}`);
    return noGrad(() => this.decode(randn([n, this.config.latent], this.generator, { device: this.device })));
  }
}
