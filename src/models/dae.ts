// The denoising autoencoder: the autoencoder trained to reconstruct the clean input from a corrupted one.
// Noise 'gaussian' adds N(0, noiseLevel²) to every input; 'masking' sets each input to 0 with probability
// noiseLevel. Noise is drawn from the model's generator, only while training; evaluation, encode and
// reconstruct see the clean input.
import { add, mul } from '../ops/elementwise.js';
import { bernoulli, randn } from '../ops/random.js';
import type { Tensor } from '../tensor.js';
import { AEConfig, Autoencoder, readAEConfig, type ModelOptions } from './ae.js';
import { ConfigReader, asConfig } from './common.js';

export type NoiseKind = 'gaussian' | 'masking';

export interface DAEConfig extends AEConfig {
  kind: 'dae';
  noise: NoiseKind;
  /** the Gaussian noise's standard deviation, or the masking drop probability */
  noiseLevel: number;
}

export class DenoisingAutoencoder extends Autoencoder {
  declare readonly config: DAEConfig;

  constructor(config: Partial<DAEConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    super(config, options);
  }

  protected override readConfig(config: Partial<DAEConfig> & Record<string, unknown>): DAEConfig {
    const r = new ConfigReader('dae', config);
    const base = readAEConfig(r, 'dae');
    const noise = r.choice<NoiseKind>('noise', 'masking', ['gaussian', 'masking']);
    // a drop probability of 1 would leave nothing to reconstruct from
    const noiseLevel = noise === 'gaussian'
      ? r.number('noiseLevel', 0.3, 0, Infinity, false, true)
      : r.number('noiseLevel', 0.3, 0, 1, false, true);
    r.rejectUnknown();
    return asConfig({ ...base, kind: 'dae' as const, noise, noiseLevel });
  }

  protected override corrupt(x: Tensor): Tensor {
    const level = this.config.noiseLevel;
    if (level === 0) return x;
    const options = { device: this.device };
    if (this.config.noise === 'gaussian') return add(x, randn(x.shape, this.generator, { ...options, std: level }));
    return mul(x, bernoulli(x.shape, 1 - level, this.generator, options));
  }
}
