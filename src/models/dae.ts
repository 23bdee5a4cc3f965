// The denoising autoencoder: the autoencoder trained to reconstruct the clean input from a corrupted one.
// Noise 'gaussian' adds N(0, noiseLevel²) to every input; 'masking' sets each input to 0 with probability
// noiseLevel. Noise is drawn from the model's generator, only while training; evaluation, encode and
// reconstruct see the clean input.
import { add, mul } from '../ops/elementwise.js';
import { bernoulli, randn } from '../ops/random.js';
import type { Tensor } from '../tensor.js';
import type { ModelConfig } from '../train/contract.js';
import { Autoencoder, aeOptions } from './ae.js';
import type { ModelOptions } from './base.js';
import { GENERATIVE, type KindSpec } from './kind.js';
import { choice, weight, type ConfigInput, type ConfigOf } from './options.js';

export type NoiseKind = 'gaussian' | 'masking';

const daeOptions = {
  ...aeOptions,
  noise: choice<NoiseKind>('masking', ['gaussian', 'masking']),
  /** the Gaussian noise's standard deviation, or the masking drop probability */
  noiseLevel: weight(0.3),
};

export type DAEConfig = ConfigOf<'dae', typeof daeOptions>;

export class DenoisingAutoencoder extends Autoencoder {
  declare readonly config: DAEConfig;

  constructor(config: ConfigInput<'dae', typeof daeOptions>, options: ModelOptions = {}) {
    super(config as ConfigInput<'ae', typeof aeOptions>, options, daeKind);
  }

  protected override corrupt(x: Tensor): Tensor {
    const level = this.config.noiseLevel;
    if (level === 0) return x;
    const options = { device: this.device };
    if (this.config.noise === 'gaussian') return add(x, randn(x.shape, this.generator, { ...options, std: level }));
    return mul(x, bernoulli(x.shape, 1 - level, this.generator, options));
  }
}

export const daeKind: KindSpec = {
  kind: 'dae', schema: daeOptions, describe: 'denoising autoencoder (gaussian or masking noise)', ...GENERATIVE,
  // a drop probability of 1 would leave nothing to reconstruct from
  check(c: ModelConfig) {
    if (c.noise === 'masking' && !((c.noiseLevel as number) < 1)) {
      throw new Error(`dae: noiseLevel must be a number in [0, 1), got ${JSON.stringify(c.noiseLevel)}`);
    }
  },
  create: (config, options) => new DenoisingAutoencoder(config as ConfigInput<'dae', typeof daeOptions>, options),
};
