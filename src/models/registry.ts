// The model registry: every model kind by its config key, its default config, and createModel(config), which
// rebuilds the same model from the config saved in a checkpoint (then loadStateDict restores the weights).
import { Autoencoder, type ModelOptions } from './ae.js';
import { DenoisingAutoencoder } from './dae.js';
import { GAN } from './gan.js';
import { Ladder } from './ladder.js';
import { M1 } from './m1.js';
import { M1M2 } from './m1m2.js';
import { M2 } from './m2.js';
import type { ModelConfig, TrainableModel } from './model.js';
import { SupervisedMLP } from './supervised.js';
import { SSAE } from './ssae.js';
import { SSGAN } from './ssgan.js';
import { VAE } from './vae.js';

export type { ModelOptions } from './ae.js';

type Constructor = new (config: Partial<ModelConfig> & Record<string, unknown>, options?: ModelOptions) => TrainableModel;

const KINDS: Record<string, { build: Constructor; describe: string }> = {
  ae: { build: Autoencoder as unknown as Constructor, describe: 'autoencoder, BCE reconstruction' },
  dae: { build: DenoisingAutoencoder as unknown as Constructor, describe: 'denoising autoencoder (gaussian or masking noise)' },
  vae: { build: VAE as unknown as Constructor, describe: 'variational autoencoder, Gaussian latent, Bernoulli decoder' },
  gan: { build: GAN as unknown as Constructor, describe: 'MLP GAN, non-saturating loss' },
  supervised: { build: SupervisedMLP as unknown as Constructor, describe: 'MLP classifier on the labelled rows alone (the baseline)' },
  ladder: { build: Ladder as unknown as Constructor, describe: 'Ladder network (semi-supervised classifier, denoising cost on every layer)' },
  gamma: { build: Ladder as unknown as Constructor, describe: 'Γ-model Ladder network (denoising cost on the top layer only)' },
  ssae: { build: SSAE as unknown as Constructor, describe: 'semi-supervised autoencoder (reconstruction + classifier on the code)' },
  ssgan: { build: SSGAN as unknown as Constructor, describe: 'semi-supervised GAN (K-way discriminator, feature matching)' },
  m1: { build: M1 as unknown as Constructor, describe: 'Kingma M1: VAE on all rows, classifier on the latent means of the labelled rows' },
  m2: { build: M2 as unknown as Constructor, describe: 'Kingma M2: q(y|x), q(z|x,y), p(x|y,z), semi-supervised classifier' },
  m1m2: { build: M1M2 as unknown as Constructor, describe: 'Kingma M1+M2: M1 VAE first, then M2 on its latent samples' },
};

/** The registered kinds, in a stable order. */
export const MODEL_KINDS: readonly string[] = Object.keys(KINDS);

/** One line describing a kind (for --help). */
export function describeKind(kind: string): string {
  return checkKind(kind).describe;
}

function checkKind(kind: unknown): { build: Constructor; describe: string } {
  const entry = typeof kind === 'string' && Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (entry === undefined) {
    throw new Error(`unknown model kind ${JSON.stringify(kind)} (expected one of: ${MODEL_KINDS.join(', ')})`);
  }
  return entry;
}

/**
 * The full default config of a kind for inputs of `inputSize` features, with `overrides` applied (checked: an
 * unknown option or a bad value throws).
 */
export function defaultConfig(kind: string, inputSize = 784, overrides: Record<string, unknown> = {}): ModelConfig {
  const { build } = checkKind(kind);
  // building the model is the one place options are checked and defaults filled (a few ms)
  const model = new build({ ...overrides, kind, inputSize });
  const config = model.config;
  disposeModel(model);
  return config;
}

/** A new model of config.kind, built from the config (missing options take their defaults). */
export function createModel(config: ModelConfig, options: ModelOptions = {}): TrainableModel {
  if (config === null || typeof config !== 'object') throw new Error(`createModel: config must be an object, got ${String(config)}`);
  const { build } = checkKind(config.kind);
  return new build(config, options);
}

/** Frees a model's parameters and optimizer state. */
export function disposeModel(model: TrainableModel): void {
  for (const opt of Object.values(model.optimizers)) opt.dispose();
  model.module.dispose();
}
