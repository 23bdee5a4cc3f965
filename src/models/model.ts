// What every trainable model offers the training loop, the checkpoints and the CLI: one optimisation step on a
// batch, evaluation sums over a batch, its parameters (a Module tree), its optimizers and its random stream,
// and a JSON-serialisable config from which the same model can be rebuilt (see registry.ts).
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';

/** A model's construction parameters; plain JSON (saved in every checkpoint's metadata). */
export interface ModelConfig {
  /** 'ae' | 'dae' | 'vae' | 'gan' | ... : the registry key */
  kind: string;
  /** number of input features (784 for MNIST-like images) */
  inputSize: number;
  [option: string]: unknown;
}

/** A batch handed to a model: inputs in [0, 1] and, where the data has them, labels (NaN = unlabelled). */
export interface Batch {
  x: Tensor;
  labels?: Tensor;
}

export interface TrainableModel {
  readonly config: ModelConfig;
  /** the module tree holding every parameter and buffer (stateDict / loadStateDict) */
  readonly module: Module;
  /** named optimizers (e.g. {adam} or {discriminator, generator}); their state goes into checkpoints */
  readonly optimizers: Record<string, Optimizer>;
  /** the stream for noise, sampling and dropout; its (seed, offset) goes into checkpoints */
  readonly generator: Generator;
  /**
   * One optimisation step on a batch (inside the caller's tidy scope): forward, backward, optimizer step(s).
   * Returns the step's scalar metrics, e.g. {loss} or {d_loss, g_loss}; a non-finite value stops training.
   */
  trainStep(batch: Batch): Record<string, number>;
  /**
   * Evaluation metrics of a batch as SUMS over its rows (the loop divides by the number of rows), e.g.
   * {neg_elbo: Σ (BCE + KL)}; run under noGrad in eval mode by the caller.
   */
  evaluateBatch(batch: Batch): Record<string, number>;
}

/** Models that map inputs to codes. */
export interface Encoder {
  /** codes for x (the mean for a VAE), [rows, latent] */
  encode(x: Tensor): Tensor;
}

/** Models that map codes (or noise) back to inputs. */
export interface Decoder {
  /** reconstructions / samples in [0, 1] for codes z, [rows, inputSize] */
  decode(z: Tensor): Tensor;
}

export interface Sampler {
  /** n new samples in [0, 1], [n, inputSize] */
  sample(n: number): Tensor;
}
