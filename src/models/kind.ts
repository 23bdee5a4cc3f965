// What the registry knows of each model kind, declared by the kind's own file: its traits (semi-supervised or not,
// default batch, learning-rate decay, default training length, description), its typed options and their checks,
// the options it derives from a run's length, and how to build one. The CLI, its help, the results table and the
// benchmarks read kinds from here; no other list of kinds exists.
import type { ModelConfig, TrainableModel } from '../train/contract.js';
import type { ConfigSpec, ModelOptions } from './base.js';

/** What a run tells a kind before its config is read: its length, the --lr-decay asked for, the resumed config. */
export interface RunShape {
  /** optimiser steps of the whole run */
  steps: number;
  /** the fraction of the steps over which the learning rate decays to 0 (the kind's default, or the user's) */
  lrDecay: number | null;
  /** the config of the run being resumed, when there is one */
  saved: ModelConfig | null;
}

export interface KindSpec extends ConfigSpec {
  /** one line for --help */
  describe: string;
  /** trains on labelled and unlabelled rows; reports test_error; takes --labels and --class-weights */
  semiSupervised: boolean;
  /** default rows per step */
  batchSize: number;
  /** default fraction of the run over which the learning rate decays linearly to 0; null: the kind has no decay */
  lrDecay: number | null;
  /** the evaluation metric validation rows choose the best epoch by (lower is better); null: none means that */
  monitor: string | null;
  /** default training length in epochs, for data of tens of thousands of rows */
  epochs: number;
  /** the fewest steps a run takes by default: on a small table an epoch is a few steps, and the kind's epochs would
   *  stop it long before it converges */
  minSteps: number;
  /**
   * Options derived from the run (e.g. a decay schedule or a stage split in steps), set in `given` (the user's
   * options, which win where they set one); throws an Error for a run the kind cannot do.
   */
  runOptions?(run: RunShape, given: Record<string, unknown>): void;
  /** A new model of this kind from a config (missing options take their defaults). */
  create(config: ModelConfig, options?: ModelOptions): TrainableModel;
}

/**
 * The runOptions of a two-stage kind whose first stage lasts `option` steps (M1+M2's m1Steps, VIME's selfSteps):
 * unless the option is given, a resumed run keeps its split and a new one gives the first stage half of the steps,
 * so any length trains both stages. A split that leaves the second stage (named `second` in the error) no steps is
 * an Error.
 */
export function stageSplit(kind: string, option: string, second: string): (run: RunShape, given: Record<string, unknown>) => void {
  return (run, given) => {
    const saved = run.saved?.kind === kind ? run.saved[option] : undefined;
    const asked = given[option];
    if (asked === undefined) {
      given[option] = Number.isInteger(saved) ? saved : Math.floor(run.steps / 2);
    } else if (typeof asked === 'number' && asked >= run.steps) {
      throw new Error(`${kind}: ${option} ${asked} leaves ${second} none of the run's ${run.steps} steps; ` +
        `give more --epochs or --steps, or a smaller --option ${option}=N`);
    }
  };
}

/** The traits of the unsupervised kinds: batches of 128, no learning-rate decay, 10 epochs, 2000 steps at least,
 *  validation by their loss (a kind whose loss is named otherwise says so). */
export const GENERATIVE = { semiSupervised: false, batchSize: 128, lrDecay: null, epochs: 10, minSteps: 2000, monitor: 'loss' } as const;

/** A run's default length in epochs of `stepsPerEpoch` steps: the kind's epochs, or more to make its minSteps. */
export function defaultEpochs(spec: KindSpec, stepsPerEpoch: number): number {
  return Math.max(spec.epochs, Math.ceil(spec.minSteps / Math.max(1, stepsPerEpoch)));
}

/** The input width the kinds' default layer sizes were made for: MNIST's 784 pixels. */
export const REFERENCE_WIDTH = 784;

/** The options holding a latent or code size. */
const LATENT_OPTIONS = new Set(['latent', 'm1Latent', 'code']);

/**
 * Latent and code sizes for inputs narrower than REFERENCE_WIDTH, set in `given` where the user set none: at most a
 * quarter of the features (at least 2). A latent of 50 for a 16-column table leaves a VAE nothing to compress and
 * M1+M2's M2 a near copy of the input. Hidden layers keep their sizes: scaled down by sqrt(features / 784), M2 on
 * the 16-column letter table erred 33.0% against 28.7% at its default widths (docs/experiments.md). A resumed
 * run's `saved` config gives the sizes it began with.
 */
export function sizesForInput(spec: KindSpec, features: number, given: Record<string, unknown>, saved: ModelConfig | null = null): void {
  if (!(features < REFERENCE_WIDTH)) return;
  for (const [key, option] of Object.entries(spec.schema)) {
    if (given[key] !== undefined || !LATENT_OPTIONS.has(key) || typeof option.fallback !== 'number') continue;
    given[key] = saved !== null && Object.hasOwn(saved, key) ? saved[key] // a resumed run keeps the sizes it began with
      : Math.min(option.fallback, Math.max(2, Math.ceil(features / 4)));
  }
}
