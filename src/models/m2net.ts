// The networks of Kingma et al.'s M2 (2014) and its objective, shared by the M2 model and M1+M2: q(y|x) (an MLP
// to class logits), q(z|x,y) (an MLP to mu and logvar of a Gaussian latent) and p(x|y,z) (an MLP to Bernoulli
// logits, or to the mean and logvar of a Gaussian for M1+M2's real-valued z1). The first layers of q(z|x,y) and
// p(x|y,z) are split by input: act(x·W_x + b + onehot(y)·W_y). x·W_x + b is computed once per example and
// stacked once per enumerated class (repeatRows), the class part is a K-wide GEMM whose sum with it happens in
// the GEMM itself (linear's addend): the 784 + K wide input [x, onehot(y)] is never built, and x·W_x costs one
// row per example instead of one per (example, class).
import { linear } from '../ops/matmul.js';
import { gaussianKl } from '../ops/losses.js';
import { add, addScalar, mul, scale } from '../ops/elementwise.js';
import type { Activation } from '../ops/activations.js';
import { reparameterize } from '../ops/random.js';
import { fromArray } from '../ops/creation.js';
import { logSoftmax, mean, softmax, sum } from '../ops/reduce.js';
import { concatRows, repeatRows, sliceRows } from '../ops/shape.js';
import { uniform } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { noGrad } from '../autograd.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import { zeroMissing } from './common.js';
import { VAE_ACTIVATIONS } from './vae.js';
import { checkLabels, ClassifierHead, classifierLoss } from './parts/classifier.js';
import { createLikelihood, familySums, type Likelihood, type LikelihoodSpec } from './parts/likelihood.js';

/** Nonlinearities the M2 networks take (softplus is the paper's; it is not fused into the GEMM). */
export type M2Activation = (typeof VAE_ACTIVATIONS)[number];

export interface M2NetworkOptions {
  inputSize: number;
  classes: number;
  latent: number;
  /** hidden sizes of q(y|x) (may be empty: softmax regression), q(z|x,y) and p(x|y,z) (at least one each) */
  classifierHidden: number[];
  encoderHidden: number[];
  decoderHidden: number[];
  /** dropout after each of q(y|x)'s hidden layers while training (default 0) */
  classifierDropout?: number;
  activation: M2Activation;
  /** p(x|y,z): Bernoulli (inputs in [0, 1]), a Gaussian (M1+M2's real z1: a variance predicted per row), or a
   *  table's mixed columns; NaN entries are missing */
  likelihood: LikelihoodSpec;
}

/** A layer act(x·W_x + b + onehot(y)·W_y) stored as two Linear layers: the x part (with bias), the y part. */
function splitLayer(inFeatures: number, classes: number, out: number, gen: Generator, device: Device): [Linear, Linear] {
  const x = new Linear(inFeatures, out, { generator: gen, device });
  const y = new Linear(classes, out, { bias: false, generator: gen, device });
  // PyTorch's default bound for the joint layer: 1 / sqrt(fan-in of [x, onehot(y)])
  const bound = 1 / Math.sqrt(inFeatures + classes);
  noGrad(() => {
    for (const t of [x.weight, x.bias as Tensor, y.weight]) uniform(t, -bound, bound, gen);
  });
  return [x, y];
}

export class M2Network extends Module {
  /** q(y|x): class logits */
  classifier: ClassifierHead;
  /** q(z|x,y) first layer: x part (with its bias) and class part */
  encoderX: Linear;
  encoderY: Linear;
  /** q(z|x,y) further hidden layers, or null */
  encoder: MLP | null;
  mu: Linear;
  logvar: Linear;
  /** p(x|y,z) first layer: z part (with its bias) and class part */
  decoderZ: Linear;
  decoderY: Linear;
  decoder: MLP | null;
  /** the likelihood's output layer: Bernoulli logits, a Gaussian mean, or a table's columns' parameters */
  output: Linear;
  /** p(x|y,z) itself on the output layer (a predicted Gaussian log-variance is a head on the last hidden layer) */
  likelihood: Likelihood;
  readonly options: M2NetworkOptions;
  readonly slope = 0.01;

  constructor(o: M2NetworkOptions, gen: Generator, device: Device) {
    super();
    if (o.encoderHidden.length === 0 || o.decoderHidden.length === 0) {
      throw new Error('m2: encoderHidden and decoderHidden must each list at least one layer size');
    }
    this.options = o;
    const act: Activation = o.activation;
    const base = { activation: act, outputActivation: act, generator: gen, device };
    this.classifier = new ClassifierHead(o.inputSize, o.classifierHidden, o.classes, {
      activation: act, dropout: o.classifierDropout ?? 0, generator: gen, device,
    });
    [this.encoderX, this.encoderY] = splitLayer(o.inputSize, o.classes, o.encoderHidden[0], gen, device);
    this.encoder = o.encoderHidden.length > 1 ? new MLP(o.encoderHidden, base) : null;
    const top = o.encoderHidden[o.encoderHidden.length - 1];
    this.mu = new Linear(top, o.latent, { generator: gen, device });
    this.logvar = new Linear(top, o.latent, { generator: gen, device });
    [this.decoderZ, this.decoderY] = splitLayer(o.latent, o.classes, o.decoderHidden[0], gen, device);
    this.decoder = o.decoderHidden.length > 1 ? new MLP(o.decoderHidden, base) : null;
    const last = o.decoderHidden[o.decoderHidden.length - 1];
    this.output = new Linear(last, o.inputSize, { generator: gen, device });
    this.likelihood = createLikelihood(o.likelihood, o.inputSize, last, gen, device);
  }

  /** The encoders' view of the inputs: missing (NaN) entries zeroed. */
  prepare(x: Tensor): Tensor {
    return zeroMissing(x);
  }

  /** Class logits of q(y|x) for prepared inputs. */
  logits(x: Tensor): Tensor {
    return this.classifier.forward(x);
  }

  /** x·W_x + b of q(z|x,y)'s first layer for prepared inputs: the part shared by every class of a row. */
  sharedPart(x: Tensor): Tensor {
    return linear(x, this.encoderX.weight, this.encoderX.bias);
  }

  /**
   * Per-row −ELBO(x, y) = −log p(x|y,z) + KL(q(z|x,y) || N(0, I)) − log p(y) (p(y) uniform), one z per row drawn
   * from gen, [rows]. onehot [rows, classes]; shared [rows, h] = sharedPart of each row's x; x [rows, in] the
   * targets (NaN entries are left out); mask [1, in] keeps the columns that count (null: all). families, when
   * given, gets the reconstruction's sums over rows per column family of a mixed likelihood (familySums).
   */
  negElbo(onehot: Tensor, shared: Tensor, x: Tensor, gen: Generator, mask: Tensor | null = null,
    families: Record<string, number> | null = null): Tensor {
    const act = this.options.activation;
    let h = linear(onehot, this.encoderY.weight, null, act, this.slope, shared);
    if (this.encoder !== null) h = this.encoder.forward(h);
    const mu = this.mu.forward(h);
    const logvar = this.logvar.forward(h);
    const o = this.decode(onehot, reparameterize(mu, logvar, gen));
    const reconstruction = this.likelihood.nll(o, x, mask);
    if (families !== null) Object.assign(families, familySums(this.likelihood, o, x, mask));
    return addScalar(add(reconstruction, gaussianKl(mu, logvar)), Math.log(this.options.classes));
  }

  /** p(x|y,z): the output layer (Bernoulli logits or Gaussian mean) and the last hidden layer, for onehot(y), z. */
  decode(onehot: Tensor, z: Tensor): { out: Tensor; top: Tensor } {
    const act = this.options.activation;
    let d = linear(onehot, this.decoderY.weight, null, act, this.slope, linear(z, this.decoderZ.weight, this.decoderZ.bias));
    if (this.decoder !== null) d = this.decoder.forward(d);
    return { out: this.output.forward(d), top: d };
  }
}

/**
 * The one-hot rows of one step's bound pass [labelled.length + classes · unlabelled, classes]: the labelled rows'
 * classes, then every class for each of the unlabelled rows, class-major (row c · unlabelled + i is class c).
 */
export function oneHotRows(labelled: ArrayLike<number>, unlabelled: number, classes: number, device: Device): Tensor {
  const nl = labelled.length;
  const data = new Float32Array((nl + classes * unlabelled) * classes);
  for (let r = 0; r < nl; r++) data[r * classes + labelled[r]] = 1;
  for (let c = 0; c < classes; c++) for (let i = 0; i < unlabelled; i++) data[(nl + c * unlabelled + i) * classes + c] = 1;
  return fromArray(data, [nl + classes * unlabelled, classes], { device });
}

/** The M2 objective of one step and its parts (scalars). */
export interface M2Objective {
  /** labelledWeight · labelled + alpha · crossEntropy + unlabelled: what is minimised */
  loss: Tensor;
  /** mean over labelled rows of −ELBO(x, y) */
  labelled: Tensor;
  /** mean over unlabelled rows of Σ_y q(y|x) (−ELBO(x, y)) − H(q(y|x)) */
  unlabelled: Tensor;
  /** mean (or class-weighted) cross-entropy of q(y|x) on the labelled rows */
  crossEntropy: Tensor;
}

/**
 * Kingma et al.'s J^alpha on one step's labelled rows (xl, labels) and unlabelled rows xu, per-batch means:
 * labelledWeight · mean_l −ELBO(x, y) + alpha · CE_l(q(y|x)) + mean_u [Σ_y q(y|x) (−ELBO(x, y)) − H(q(y|x))].
 * With labelledWeight the labelled rows' share of the data, each row's bound counts once, as in the paper's sum
 * over the data set; 1 weighs the few labelled rows' bounds as much as all the unlabelled ones. One pass of q(y|x)
 * and of x·W_x over [xl; xu], one pass of the bound over [labelled rows; every (class, unlabelled row)] (the
 * latter class-major, as PyTorch's xu.repeat(K, 1)): fewer, larger GEMMs. q(y|x) weighs each enumerated row
 * through the same one-hot matrix. The noise: one draw for all rows of the bound, labelled rows first.
 * likelihoodMask: the input columns a Gaussian p(x|y,z) models (null: all).
 */
export function m2Objective(name: string, net: M2Network, xl: Tensor, labels: Tensor, xu: Tensor, alpha: number,
  classWeights: number[] | null, gen: Generator, likelihoodMask: Tensor | null = null, labelledWeight = 1): M2Objective {
  const classes = net.options.classes;
  const values = labels.toArray();
  checkLabels(name, values, classes);
  const nl = xl.rows;
  const nu = xu.rows;
  const prepared = net.prepare(concatRows([xl, xu]));
  const logits = net.logits(prepared);
  const shared = net.sharedPart(prepared);
  const onehot = oneHotRows(values, nu, classes, xl.device);
  const bounds = net.negElbo(onehot,
    concatRows([sliceRows(shared, 0, nl), repeatRows(sliceRows(shared, nl, nl + nu), classes)]),
    concatRows([xl, repeatRows(xu, classes)]), gen, likelihoodMask);
  const labelled = mean(sliceRows(bounds, 0, nl));
  const crossEntropy = classifierLoss(name, sliceRows(logits, 0, nl), labels, classWeights);
  const unlabelledLogits = sliceRows(logits, nl, nl + nu);
  const q = softmax(unlabelledLogits);
  // q(y|x) of each enumerated row: its class's column of the row's q, picked by the one-hot
  const weights = sum(mul(repeatRows(q, classes), sliceRows(onehot, nl, nl + classes * nu)), -1);
  const expected = sum(mul(weights, sliceRows(bounds, nl, nl + classes * nu)));
  const unlabelled = scale(add(expected, sum(mul(q, logSoftmax(unlabelledLogits)))), 1 / nu);
  const weighted = labelledWeight === 1 ? labelled : scale(labelled, labelledWeight);
  const loss = add(add(weighted, alpha === 1 ? crossEntropy : scale(crossEntropy, alpha)), unlabelled);
  return { loss, labelled, unlabelled, crossEntropy };
}
