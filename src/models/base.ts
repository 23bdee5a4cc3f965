// The one base of every model: it reads the config from the kind's option schema, owns the generator, the device,
// the networks and the optimisers, runs the optimiser step of an objective and checks what a batch hands it. A model
// subclass is its parts (the network it hands the constructor) and its objective (losses) and little else. SemiSupervisedModel adds what every
// classifier shares: the labelled half of a batch, the evaluation against labels and classify.
import { noGrad } from '../autograd.js';
import type { Module } from '../nn/module.js';
import { Adam, type AdamOptions } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { softmax } from '../ops/reduce.js';
import { concatCols, reshape } from '../ops/shape.js';
import { Generator } from '../random.js';
import { Tensor, type Device } from '../tensor.js';
import type { Batch, Classifier, ModelConfig, TrainableModel } from '../train/contract.js';
import { classificationSums, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';
import { outsideUnitRange, type LikelihoodSpec } from './parts/likelihood.js';
import { readConfig, type Schema, type Values } from './options.js';

/** Construction options every model takes (the registry passes them through). */
export interface ModelOptions {
  /** the stream for initial weights, noise and sampling (default: a new Generator(0)) */
  generator?: Generator;
  device?: Device;
}

/** What a kind's config is read with: its key, its option schema and its checks across options. */
export interface ConfigSpec {
  kind: string;
  schema: Schema;
  /** checks that involve several options (one option's range is the schema's); throws an Error */
  check?(config: ModelConfig): void;
}

/** The full, checked config of a spec's kind from a partial one, as fresh plain JSON (no weights are built). */
export function configFor(spec: ConfigSpec, config: unknown): ModelConfig {
  const c = readConfig(spec.kind, spec.schema, config) as ModelConfig;
  spec.check?.(c);
  return c;
}

/** Builds a model's parameter tree from its config, generator and device. */
export type Network<C, M> = (config: C, generator: Generator, device: Device) => M;

/** One step's objective: the loss to minimise, the metrics to report beside it, the optimisers that step. */
export interface Objective {
  loss: Tensor;
  metrics?: Record<string, Tensor | number>;
  /** names of this.optimizers to step (default: all of them) */
  optimizers?: readonly string[];
}

/** Scalar metrics as numbers, the tensors among them read in one download. */
export function readScalars(metrics: Record<string, Tensor | number>): Record<string, number> {
  const entries = Object.entries(metrics);
  const tensors = entries.filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
  const values = tensors.length === 0 ? new Float32Array(0)
    : noGrad(() => concatCols(tensors.map(([, t]) => reshape(t, [1, 1])))).toArray();
  const out: Record<string, number> = {};
  let i = 0;
  for (const [name, v] of entries) out[name] = v instanceof Tensor ? values[i++] : v;
  return out;
}

/** x after checking it is a live [rows, cols] tensor on `device`; `what` names it in errors. */
export function checkInputs(name: string, x: Tensor | undefined, what: string, cols: number, device: Device): Tensor {
  if (x === undefined || x === null || typeof x !== 'object' || !('shape' in x)) throw new Error(`${name}: ${what} must be a Tensor`);
  x.assertLive(name, what);
  if (x.shape.length !== 2 || x.shape[1] !== cols || x.shape[0] < 1) {
    throw new Error(`${name}: ${what} must be [rows, ${cols}], got [${x.shape.join(',')}]`);
  }
  if (x.device !== device) throw new Error(`${name}: ${what} is on ${x.device} but the model is on ${device}`);
  return x;
}

export abstract class Model<C extends ModelConfig, M extends Module> implements TrainableModel {
  readonly config: C;
  readonly module: M;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;

  /** network: the model's parameter tree from its config, generator and device (its parts) */
  protected constructor(spec: ConfigSpec, config: unknown, options: ModelOptions, network: Network<C, M>) {
    this.config = configFor(spec, config) as C;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error(`${this.kind}: generator must be a Generator`);
    this.device = options.device ?? 'cpu';
    this.module = network(this.config, this.generator, this.device);
    this.optimizers = Object.fromEntries(Object.entries(this.optimizerGroups())
      .map(([name, [module, adam]]) => [name, new Adam(module.parameters(), adam)]));
  }

  /** Features a Bernoulli likelihood cannot model (outside [0, 1]); the kinds without a likelihood take any. */
  rowsProblem(x: Float32Array): string | null {
    const spec = (this.config as { likelihood?: LikelihoodSpec | null }).likelihood;
    return spec === undefined || spec === null ? null : outsideUnitRange(spec, x, this.config.inputSize);
  }

  /** The registry key, which starts every error message. */
  get kind(): string {
    return this.config.kind;
  }

  /**
   * The optimisers, by name: the module whose parameters each updates and its Adam options (called once, after
   * the network is built). One Adam over every parameter at config.lr unless a model says otherwise.
   */
  protected optimizerGroups(): Record<string, [Module, AdamOptions]> {
    return { adam: [this.module, { lr: this.config.lr as number }] };
  }

  /** The objective of one training batch, with its graph. */
  protected abstract losses(batch: Batch): Objective;

  trainStep(batch: Batch): Record<string, number> {
    return this.minimize(this.losses(batch));
  }

  /** One optimiser step on an objective; its loss and metrics as numbers. */
  protected minimize({ loss, metrics, optimizers }: Objective): Record<string, number> {
    this.step(loss, optimizers);
    return readScalars({ loss, ...metrics });
  }

  /** Zeroes the named optimisers' gradients (all by default), runs the loss backward and steps them. */
  protected step(loss: Tensor, names: readonly string[] = Object.keys(this.optimizers)): void {
    const opts = names.map((n) => this.optimizers[n]);
    for (const opt of opts) opt.zeroGrad();
    loss.backward();
    for (const opt of opts) opt.step();
  }

  abstract evaluateBatch(batch: Batch): Record<string, number>;

  /** batch.x, checked: [rows, inputSize] on the model's device. */
  protected inputs(batch: Batch): Tensor {
    return checkInputs(this.kind, batch?.x, 'batch.x', this.config.inputSize, this.device);
  }

  /** A method's argument checked as [rows, cols] (cols: the input width by default). */
  protected argument(method: string, x: Tensor, name = 'x', cols = this.config.inputSize): Tensor {
    return checkInputs(`${this.kind}.${method}`, x, name, cols, this.device);
  }

  /** Checks a sample count. */
  protected checkCount(method: string, n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${this.kind}.${method}: n must be a positive integer, got ${String(n)}`);
  }

  /** Frees the parameters and optimizer state (as disposeModel does); `using model = ...` calls it at block end. */
  dispose(): void {
    for (const opt of Object.values(this.optimizers)) opt.dispose();
    this.module.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The options every semi-supervised model has (SEMI_SUPERVISED_OPTIONS). */
export type SemiSupervisedConfig = ModelConfig & Values<typeof SEMI_SUPERVISED_OPTIONS>;

export abstract class SemiSupervisedModel<C extends SemiSupervisedConfig, M extends Module> extends Model<C, M>
  implements Classifier {
  get classes(): number {
    return this.config.classes;
  }

  get labelledBatchSize(): number {
    return this.config.labelledBatchSize;
  }

  /** The classifier's evaluation sums are over the labelled rows (error, cross_entropy). */
  get perLabelledRow(): readonly string[] {
    return ['error', 'cross_entropy'];
  }

  /** Class logits (or log-probabilities) of checked inputs x, NaN entries allowed, [rows, classes]. */
  protected abstract logits(x: Tensor): Tensor;

  /** Whether evaluation needs labels; the models that also report an unsupervised figure say false. */
  protected get evaluationNeedsLabels(): boolean {
    return true;
  }

  /** Unsupervised evaluation sums beside the classifier's (e.g. a bound), under noGrad; labels may be null. */
  protected evaluateMore(_x: Tensor, _labels: Tensor | null): Record<string, number> {
    return {};
  }

  /** The labelled half of a batch, checked; share: the labelled rows' fraction of the data, where given. */
  protected labelled(batch: Batch): { x: Tensor; labels: Tensor; share: number | undefined } {
    return labelledPart(this.kind, batch, this.config.inputSize, this.device);
  }

  /**
   * Sums over rows: the classifier's error and cross_entropy over the rows batch.labels labels (NaN rows skipped),
   * and what evaluateMore adds.
   */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = this.inputs(batch);
    const given = batch.labels;
    if ((given === undefined || given === null) && this.evaluationNeedsLabels) {
      throw new Error(`${this.kind}: evaluateBatch needs batch.labels (a Tensor, NaN for unlabelled rows)`);
    }
    const labels = given === undefined || given === null ? null : checkLabelTensor(this.kind, given, 'batch.labels', x.rows);
    return noGrad(() => ({
      ...(labels === null ? {} : classificationSums(this.logits(x), labels)),
      ...this.evaluateMore(x, labels),
    }));
  }

  /** p(y|x), [rows, classes] (eval mode is the caller's choice). */
  classify(x: Tensor): Tensor {
    return softmax(this.logits(this.argument('classify', x)));
  }
}

/** The labelled half of a batch, checked: x [rows, inputSize] and labels [rows] on `device`, and the labelled rows'
 *  share of the training data where the batch gives it. */
export function labelledPart(name: string, batch: Batch, inputSize: number, device: Device):
  { x: Tensor; labels: Tensor; share: number | undefined } {
  const l = batch?.labelled;
  if (l === undefined || l === null) {
    throw new Error(`${name}: the batch has no labelled part (batch.labelled); semi-supervised models are trained ` +
      'on data with labelled rows, through the training loop or with batch.labelled set');
  }
  const x = checkInputs(name, l.x, 'batch.labelled.x', inputSize, device);
  const labels = checkLabelTensor(name, l.labels, 'batch.labelled.labels', x.rows);
  const share = l.share;
  if (share !== undefined && !(typeof share === 'number' && share > 0 && share <= 1)) {
    throw new Error(`${name}: batch.labelled.share must be a fraction in (0, 1], got ${JSON.stringify(share)}`);
  }
  return { x, labels, share };
}

/** labels after checking they are a live tensor of `rows` entries. */
function checkLabelTensor(name: string, labels: Tensor | undefined, what: string, rows: number): Tensor {
  if (labels === undefined || labels === null || typeof labels !== 'object' || !('shape' in labels)) {
    throw new Error(`${name}: ${what} must be a Tensor`);
  }
  labels.assertLive(name, what);
  if (labels.size !== rows) throw new Error(`${name}: ${what} has ${labels.size} entries for ${rows} rows`);
  return labels;
}
