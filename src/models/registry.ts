// The model registry: every kind by its config key, in a stable order, with the traits its own file declares
// (kind.ts); defaultConfig(kind) reads a full config from the kind's option schema without building weights, and
// createModel(config) rebuilds the same model from the config saved in a checkpoint (then loadStateDict restores
// the weights).
import type { ModelConfig, TrainableModel } from '../train/contract.js';
import { aeKind } from './ae.js';
import { configFor, type ModelOptions } from './base.js';
import { daeKind } from './dae.js';
import { ensembleSpec } from './ensemble.js';
import { ganKind } from './gan.js';
import type { KindSpec } from './kind.js';
import { gammaKind, ladderKind } from './ladder.js';
import { m1Kind } from './m1.js';
import { m1m2Kind } from './m1m2.js';
import { m2Kind } from './m2.js';
import { ssaeKind } from './ssae.js';
import { ssganKind } from './ssgan.js';
import { supervisedKind } from './supervised.js';
import { vaeKind } from './vae.js';
import { vimeKind } from './vime.js';

export type { ModelOptions } from './base.js';
export type { KindSpec, RunShape } from './kind.js';

// the order of --help and of the results table's rows: the generative kinds, the supervised-only baseline, then the
// semi-supervised kinds from the simplest
const KINDS: readonly KindSpec[] = [
  aeKind, daeKind, vaeKind, ganKind, supervisedKind, ssaeKind, m1Kind, m2Kind, m1m2Kind, ladderKind, gammaKind, vimeKind,
  ssganKind,
];

// kinds a checkpoint may hold that are assembled from trained models rather than trained (fit's ensemble): createModel
// and kindSpec know them, MODEL_KINDS (the kinds train takes) does not
const ASSEMBLED: readonly KindSpec[] = [ensembleSpec({ create: (config, options) => createModel(config, options), dispose: (m) => disposeModel(m) })];

const BY_KIND = new Map([...KINDS, ...ASSEMBLED].map((k) => [k.kind, k]));

/** The kinds train takes, in a stable order. */
export const MODEL_KINDS: readonly string[] = KINDS.map((k) => k.kind);

/** A kind's traits, options and constructor; an unknown kind is an Error listing the known ones. */
export function kindSpec(kind: unknown): KindSpec {
  const spec = typeof kind === 'string' ? BY_KIND.get(kind) : undefined;
  if (spec === undefined) throw new Error(`unknown model kind ${JSON.stringify(kind)} (expected one of: ${MODEL_KINDS.join(', ')})`);
  return spec;
}

/** One line describing a kind (for --help). */
export function describeKind(kind: string): string {
  return kindSpec(kind).describe;
}

/**
 * The full default config of a kind for inputs of `inputSize` features, with `overrides` applied (checked: an
 * unknown option or a bad value throws). No weights are built.
 */
export function defaultConfig(kind: string, inputSize = 784, overrides: Record<string, unknown> = {}): ModelConfig {
  return configFor(kindSpec(kind), { ...overrides, kind, inputSize });
}

/** A new model of config.kind, built from the config (missing options take their defaults). */
export function createModel(config: ModelConfig, options: ModelOptions = {}): TrainableModel {
  if (config === null || typeof config !== 'object') throw new Error(`createModel: config must be an object, got ${String(config)}`);
  return kindSpec(config.kind).create(config, options);
}

/** Frees a model's parameters and optimizer state. */
export function disposeModel(model: TrainableModel): void {
  if (typeof model.dispose === 'function') {
    model.dispose();
    return;
  }
  for (const opt of Object.values(model.optimizers)) opt.dispose();
  model.module.dispose();
}
