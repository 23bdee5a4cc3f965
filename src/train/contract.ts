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
  /** rows drawn from the whole training split (for semi-supervised models: the unlabelled stream) */
  x: Tensor;
  /** [rows] class indices as floats, NaN where a row has no label */
  labels?: Tensor;
  /**
   * For models with labelledBatchSize: rows drawn from the labelled rows alone, each step (the loop cycles
   * through them in a fresh shuffled order every pass), with their labels (never NaN). share: the labelled rows'
   * fraction of the training split (the loop sets it), for objectives that count every row of the split once.
   */
  labelled?: { x: Tensor; labels: Tensor; share?: number };
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
  /** What the model cannot take in these rows (e.g. values outside its likelihood's support), said in words; null: none. */
  rowsProblem?(x: Float32Array): string | null;
  /**
   * The evaluation sums taken over the labelled rows of a batch alone (a classifier's error and cross-entropy):
   * evaluation divides them by the number of labelled rows, every other sum by all rows.
   */
  readonly perLabelledRow?: readonly string[];
  /**
   * Semi-supervised models: the rows of batch.labelled per step. When set, the loop draws a labelled batch from
   * the split's labelled rows every step beside the batch from all rows.
   */
  readonly labelledBatchSize?: number;
  /**
   * Staged models: the step from which evaluations say what the finished model will do (a first stage that trains
   * no classifier gives chance-level errors). Before it, validation rows choose no best epoch and spend no patience.
   */
  readonly validFromStep?: number;
  /**
   * Models built from models trained on their own (fit's ensemble): train() refuses them; saveModelRun saves them.
   */
  readonly assembled?: boolean;
  /** Frees everything the model holds, where that is more than its optimizers and module tree (an ensemble's members'
   *  optimizers); disposeModel calls it. */
  dispose?(): void;
}

/** Models that classify: evaluateBatch then reports {error: Σ misclassified rows, ...} (test_error). */
export interface Classifier {
  /** number of classes (labels are 0..classes-1) */
  readonly classes: number;
  /** class probabilities p(y|x), [rows, classes] (eval mode is the caller's choice) */
  classify(x: Tensor): Tensor;
}

/** Whether a model classifies. */
export function isClassifier(model: object): model is Classifier {
  return typeof (model as Partial<Classifier>).classify === 'function' &&
    Number.isInteger((model as Partial<Classifier>).classes);
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
