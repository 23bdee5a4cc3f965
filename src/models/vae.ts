// The variational autoencoder (Kingma & Welling): a Gaussian encoder (an MLP to the mu and logvar heads), the
// reparameterised sample z = mu + eps·exp(logvar / 2), the mirrored decoder with a Bernoulli likelihood, and the
// loss BCE-with-logits summed over pixels + beta·KL(q(z|x) || N(0, I)) (analytic), averaged over the batch.
// Default sizes are DESIGN.md's vae-step: 784-512-256-z32. Evaluation is the anchor's one-sample -ELBO in nats
// per image (../shared/anchors/torch_vae_quality.py: BCE on [0, 1] pixels, z sampled, beta = 1).
import { noGrad } from '../autograd.js';
import { add, scale } from '../ops/elementwise.js';
import { randn } from '../ops/random.js';
import { mean, sum } from '../ops/reduce.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Decoder, Encoder, Sampler } from '../train/contract.js';
import { Model, type ModelOptions, type Objective } from './base.js';
import { GENERATIVE, type KindSpec } from './kind.js';
import { choice, likelihood, int, rate, sizes, weight, type ConfigInput, type ConfigOf } from './options.js';
import { LikelihoodDecoder } from './parts/decoder.js';
import type { LikelihoodSpec } from './parts/likelihood.js';
import { GaussianEncoder, type GaussianEncoderSizes } from './parts/encoder.js';

/** The nonlinearities of the VAE-based models. */
export const VAE_ACTIVATIONS = ['relu', 'leakyRelu', 'tanh', 'softplus'] as const;

const vaeOptions = {
  /** encoder hidden sizes; the decoder mirrors them */
  hidden: sizes([512, 256], 1),
  latent: int(32),
  /** weight of the KL term in the training loss (1: the ELBO; evaluation always uses 1) */
  beta: weight(1),
  activation: choice('relu', VAE_ACTIVATIONS),
  /** Adam learning rate */
  lr: rate(1e-3),
  /** p(x | z): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

export type VAEConfig = ConfigOf<'vae', typeof vaeOptions>;

/** The parameter tree: the Gaussian encoder (encoder, mu, logvar) and the Bernoulli decoder (decoder). */
export class VAENetwork extends GaussianEncoder {
  decoder: LikelihoodDecoder;

  constructor(s: GaussianEncoderSizes & { likelihood: LikelihoodSpec }, gen: Generator, device: Device) {
    super(s, gen, device);
    this.decoder = new LikelihoodDecoder([s.latent, ...[...s.hidden].reverse(), s.inputSize], s.likelihood,
      { activation: s.activation, generator: gen, device });
  }

  /** Per-row reconstruction −log p(x|z) and KL, each [rows], with z sampled from q(z|x) by gen. */
  terms(x: Tensor, gen: Generator): { reconstruction: Tensor; kl: Tensor } {
    const { z, kl } = this.sample(x, gen);
    return { reconstruction: this.decoder.nll(z, x), kl };
  }

  /** Sums over rows, for evaluation: neg_elbo = Σ (reconstruction + KL) in nats (one z per row), its two parts, and
   *  the reconstruction per column family for a mixed likelihood (reconstruction_<kind>). */
  evaluationSums(x: Tensor, gen: Generator): Record<string, number> {
    const { z, kl } = this.sample(x, gen);
    const { nll, families } = this.decoder.nllWithFamilies(z, x);
    const r = sum(nll).item();
    const k = sum(kl).item();
    return { neg_elbo: r + k, reconstruction: r, kl: k, ...families };
  }

  /** Per-row −ELBO = reconstruction + klWeight · KL, [rows]. */
  negElbo(x: Tensor, gen: Generator, klWeight = 1): Tensor {
    const { reconstruction, kl } = this.terms(x, gen);
    return add(reconstruction, klWeight === 1 ? kl : scale(kl, klWeight));
  }
}

export class VAE extends Model<VAEConfig, VAENetwork> implements Encoder, Decoder, Sampler {
  constructor(config: ConfigInput<'vae', typeof vaeOptions>, options: ModelOptions = {}) {
    super(vaeKind, config, options, (c, g, d) => new VAENetwork(c, g, d));
  }


  /** mu and logvar of q(z|x), each [rows, latent]. */
  posterior(x: Tensor): { mu: Tensor; logvar: Tensor } {
    return this.module.posterior(x);
  }

  protected losses(batch: Batch): Objective {
    return { loss: mean(this.module.negElbo(this.inputs(batch), this.generator, this.config.beta)) };
  }

  /** Sums over rows: neg_elbo in nats (beta = 1, one sample of z) and its parts (VAENetwork.evaluationSums). */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = this.inputs(batch);
    return noGrad(() => this.module.evaluationSums(x, this.generator));
  }

  /** The posterior mean mu, [rows, latent]. */
  encode(x: Tensor): Tensor {
    return this.posterior(this.argument('encode', x)).mu;
  }

  /** Bernoulli means sigmoid(decoder(z)), [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    return this.module.decoder.mean(this.argument('decode', z, 'z', this.config.latent));
  }

  /** decode(mu(x)) */
  reconstruct(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }

  /** n samples decode(z), z ~ N(0, I) from the model's generator (no graph recorded). */
  sample(n: number): Tensor {
    this.checkCount('sample', n);
    return noGrad(() => this.decode(randn([n, this.config.latent], this.generator, { device: this.device })));
  }
}

export const vaeKind: KindSpec = {
  kind: 'vae', schema: vaeOptions, describe: 'variational autoencoder, Gaussian latent, Bernoulli decoder', ...GENERATIVE, monitor: 'neg_elbo',
  create: (config, options) => new VAE(config as ConfigInput<'vae', typeof vaeOptions>, options),
};
