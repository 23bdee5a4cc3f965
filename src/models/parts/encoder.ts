// A Gaussian encoder q(z|x): an MLP trunk (every layer with the activation) and two linear heads, the mean and the
// log-variance of a diagonal Gaussian, with the reparameterised sample z = mu + eps · exp(logvar / 2). Missing
// inputs (NaN) reach the trunk as 0. Networks that hold one extend it, so its weights keep the short names
// "encoder.layers.0.weight", "mu.weight", "logvar.weight".
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { MLP } from '../../nn/mlp.js';
import type { Activation } from '../../ops/activations.js';
import { gaussianKl } from '../../ops/losses.js';
import { reparameterize } from '../../ops/random.js';
import type { Generator } from '../../random.js';
import type { Device, Tensor } from '../../tensor.js';
import { zeroMissing } from '../common.js';

export interface GaussianEncoderSizes {
  inputSize: number;
  /** trunk sizes, at least one */
  hidden: readonly number[];
  latent: number;
  activation: Activation;
}

export class GaussianEncoder extends Module {
  encoder: MLP;
  mu: Linear;
  logvar: Linear;

  constructor(s: GaussianEncoderSizes, gen: Generator, device: Device) {
    super();
    const top = s.hidden[s.hidden.length - 1];
    this.encoder = new MLP([s.inputSize, ...s.hidden], { activation: s.activation, outputActivation: s.activation, generator: gen, device });
    this.mu = new Linear(top, s.latent, { generator: gen, device });
    this.logvar = new Linear(top, s.latent, { generator: gen, device });
  }

  /** mu and logvar of q(z|x), each [rows, latent]. */
  posterior(x: Tensor): { mu: Tensor; logvar: Tensor } {
    const h = this.encoder.forward(zeroMissing(x));
    return { mu: this.mu.forward(h), logvar: this.logvar.forward(h) };
  }

  /** A sample z ~ q(z|x) per row and the row's KL(q(z|x) || N(0, I)). */
  sample(x: Tensor, gen: Generator): { z: Tensor; kl: Tensor; mu: Tensor } {
    const { mu, logvar } = this.posterior(x);
    return { z: reparameterize(mu, logvar, gen), kl: gaussianKl(mu, logvar), mu };
  }
}
