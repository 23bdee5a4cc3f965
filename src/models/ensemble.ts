// An ensemble: classifiers trained on their own, whose class probabilities it averages and, where given, shifts to
// another class prior. fit builds one from the kinds its cross-validation cannot tell apart, where choosing one of them
// would be a coin toss (the average errs less than a pick among them on average, docs/experiments.md), and shifts it
// to the class prior of the unlabelled rows, which a few labels per class do not show. It takes no training steps
// itself: its config lists its members' configs, its checkpoint holds their weights (member0.*, member1.*, ...).
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import { log } from '../ops/activations.js';
import { add, div, mul, scale } from '../ops/elementwise.js';
import { fromArray } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { concatCols } from '../ops/shape.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Classifier, Encoder, ModelConfig, TrainableModel } from '../train/contract.js';
import { isClassifier } from '../train/contract.js';
import { checkInputs, configFor, type ModelOptions } from './base.js';
import type { KindSpec } from './kind.js';
import { int, numbers, type Option } from './options.js';
import { classificationSums } from './parts/classifier.js';

/** How members are built from their configs and freed: the registry's createModel and disposeModel (handed in, as the
 *  registry imports this file). */
export interface MemberFactory {
  create(config: ModelConfig, options: ModelOptions): TrainableModel;
  dispose(model: TrainableModel): void;
}

/** The members option: two or more configs of classifying kinds; each is checked when the member is built. */
function memberConfigs(): Option<ModelConfig[]> {
  return {
    fallback: [],
    read: (kind, key, v) => {
      if (!Array.isArray(v) || v.length < 2 || !v.every((c) => c !== null && typeof c === 'object' && !Array.isArray(c) &&
        typeof (c as ModelConfig).kind === 'string')) {
        throw new Error(`${kind}: ${key} must list two or more model configs, got ${JSON.stringify(v)?.slice(0, 200)}`);
      }
      return v as ModelConfig[];
    },
  };
}

const ensembleOptions = {
  classes: int(10, 2),
  members: memberConfigs(),
  /** per-class factors the averaged p(y|x) is multiplied by (and renormalised): the ratio of the class prior to shift
   *  to over the one the members were trained under (null: none; see priorShift) */
  priorShift: numbers(null),
};

/** The module tree of an ensemble: its members' trees as children member0, member1, ... */
class Members extends Module {
  constructor(modules: Module[]) {
    super();
    modules.forEach((m, i) => this.register(`member${i}`, m));
  }
}

export class Ensemble implements TrainableModel, Classifier {
  readonly config: ModelConfig & { classes: number; members: ModelConfig[]; priorShift: number[] | null };
  readonly module: Module;
  readonly optimizers = {};
  readonly generator: Generator;
  readonly device: Device;
  readonly members: TrainableModel[];
  readonly perLabelledRow = ['error', 'cross_entropy'] as const;
  readonly assembled = true;
  /** codes: those of the members that encode, side by side in member order; absent when none does */
  readonly encode?: (x: Tensor) => Tensor;

  constructor(config: ModelConfig, options: ModelOptions, private readonly factory: MemberFactory) {
    this.config = configFor(ensembleKind, config) as Ensemble['config'];
    this.generator = options.generator ?? new Generator(0);
    this.device = options.device ?? 'cpu';
    this.members = [];
    try {
      for (const [i, member] of this.config.members.entries()) {
        if (member.kind === 'ensemble') throw new Error(`ensemble: member ${i} is itself an ensemble`);
        if (member.inputSize !== undefined && member.inputSize !== this.config.inputSize) {
          throw new Error(`ensemble: member ${i} (${member.kind}) takes ${member.inputSize} features, the ensemble ${this.config.inputSize}`);
        }
        const model = factory.create({ ...member, inputSize: this.config.inputSize }, { generator: this.generator, device: this.device });
        this.members.push(model);
        if (!isClassifier(model)) throw new Error(`ensemble: member ${i} (${member.kind}) does not classify`);
        if (model.classes !== this.config.classes) {
          throw new Error(`ensemble: member ${i} (${member.kind}) has ${model.classes} classes, the ensemble ${this.config.classes}`);
        }
      }
    } catch (e) {
      for (const m of this.members) factory.dispose(m);
      throw e;
    }
    this.module = new Members(this.members.map((m) => m.module));
    const encoders = this.members.filter((m): m is TrainableModel & Encoder => typeof (m as Partial<Encoder>).encode === 'function');
    if (encoders.length > 0) {
      this.encode = (x) => concatCols(encoders.map((e) => e.encode(checkInputs('ensemble.encode', x, 'x', this.config.inputSize, this.device))));
    }
  }

  get kind(): string {
    return 'ensemble';
  }

  get classes(): number {
    return this.config.classes;
  }

  trainStep(_batch: Batch): Record<string, number> {
    throw new Error('ensemble: an ensemble is assembled from members trained on their own (as fit does); it takes no ' +
      'training steps');
  }

  /** The mean of the members' p(y|x), [rows, classes], shifted by priorShift where set. */
  classify(x: Tensor): Tensor {
    checkInputs('ensemble.classify', x, 'x', this.config.inputSize, this.device);
    let total: Tensor | null = null;
    for (const m of this.members) {
      const p = (m as unknown as Classifier).classify(x);
      total = total === null ? p : add(total, p);
    }
    const p = scale(total as Tensor, 1 / this.members.length);
    const shift = this.config.priorShift;
    if (shift === null) return p;
    // 1e-30: a row the shift makes all zeros (members sure of classes it scales to ~0) divides by a positive sum
    const q = add(mul(p, fromArray(Float32Array.from(shift), [1, this.classes], { device: this.device })), 1e-30);
    return div(q, sum(q, 1, true));
  }

  /** Sets the per-class factors classify multiplies the averaged p(y|x) by (null: none); see priorShift(). */
  setPriorShift(shift: readonly number[] | null): void {
    const config = { ...this.config, priorShift: shift === null ? null : [...shift] };
    checkPriorShift(config);
    this.config.priorShift = config.priorShift;
  }

  /** The classifier's error and cross-entropy sums over the labelled rows of the batch, from the averaged p(y|x). */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = checkInputs('ensemble', batch?.x, 'batch.x', this.config.inputSize, this.device);
    if (batch.labels === undefined || batch.labels === null) throw new Error('ensemble: evaluateBatch needs batch.labels');
    // log p is a logit vector whose softmax is p itself; 1e-30 keeps a probability every member rounded to 0 finite
    return noGrad(() => classificationSums(log(add(this.classify(x), 1e-30)), batch.labels as Tensor));
  }

  /** The first member's complaint about rows it cannot take (e.g. a Bernoulli likelihood's range), or null. */
  rowsProblem(x: Float32Array): string | null {
    for (const m of this.members) {
      const problem = m.rowsProblem?.(x) ?? null;
      if (problem !== null) return problem;
    }
    return null;
  }

  /** Frees every member's optimizers and weights. */
  dispose(): void {
    for (const m of this.members) this.factory.dispose(m);
  }
}

/** Built by registry.ts with its createModel and disposeModel (this file cannot import the registry that imports it). */
export function ensembleSpec(factory: MemberFactory): KindSpec {
  return {
    ...ensembleKind,
    create: (config, options) => new Ensemble(config, options ?? {}, factory),
  };
}

const ensembleKind: KindSpec = {
  kind: 'ensemble', schema: ensembleOptions,
  describe: 'the averaged class probabilities of classifiers trained on their own, shifted to a class prior (fit builds one)',
  semiSupervised: true, batchSize: 100, lrDecay: null, epochs: 1, minSteps: 1, monitor: 'error',
  // a config without members takes the option's fallback, which is no ensemble
  check: (config) => {
    const members = config.members as ModelConfig[];
    if (members.length < 2) throw new Error(`ensemble: members must list two or more model configs, got ${members.length}`);
    checkPriorShift(config);
  },
  create: () => {
    throw new Error('ensemble: built through the registry');
  },
};

/** priorShift: one positive finite factor per class, or null. */
function checkPriorShift(config: ModelConfig): void {
  const shift = config.priorShift as number[] | null;
  if (shift === null) return;
  if (shift.length !== config.classes) throw new Error(`ensemble: priorShift has ${shift.length} entries for ${String(config.classes)} classes`);
  if (shift.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new Error(`ensemble: priorShift must be positive finite numbers, got ${JSON.stringify(shift)}`);
  }
}

/**
 * The class prior of rows no label was seen for, estimated from a classifier's p(y|x) on them by expectation
 * maximisation (Saerens, Latinne & Decaestecker, 2002): the classifier learnt `trained` (the labelled rows' class
 * frequencies; a few labels per class make it near uniform whatever the data's), so p(y|x) · π / trained, renormalised,
 * is its posterior under a prior π, and π is iterated to the mean of those posteriors. Returns the factors
 * π / trained, for Ensemble.priorShift. `p` holds `rows` rows of `trained.length` probabilities.
 */
export function priorShift(p: Float32Array | Float64Array, rows: number, trained: readonly number[]): number[] {
  const k = trained.length;
  if (rows < 1 || p.length !== rows * k) throw new Error(`priorShift: expected ${rows} rows of ${k} probabilities, got ${p.length} values`);
  if (trained.some((t) => !(t > 0))) throw new Error(`priorShift: the trained prior must be positive, got ${JSON.stringify(trained)}`);
  let prior = [...trained];
  const q = new Float64Array(k);
  for (let iteration = 0; iteration < 1000; iteration++) {
    const next = new Float64Array(k);
    for (let i = 0; i < rows; i++) {
      let total = 0;
      for (let c = 0; c < k; c++) {
        q[c] = (p[i * k + c] * prior[c]) / trained[c];
        total += q[c];
      }
      // a row of zeros says nothing of the prior: it keeps the current one
      for (let c = 0; c < k; c++) next[c] += total > 0 ? q[c] / total : prior[c];
    }
    // a class no row favours keeps a sliver of prior, so that the factors stay positive
    const updated = Array.from(next, (v) => Math.max(v / rows, 1e-6));
    const norm = updated.reduce((a, b) => a + b, 0);
    const change = Math.max(...updated.map((v, c) => Math.abs(v / norm - prior[c])));
    prior = updated.map((v) => v / norm);
    if (change < 1e-7) break;
  }
  return prior.map((v, c) => v / trained[c]);
}
