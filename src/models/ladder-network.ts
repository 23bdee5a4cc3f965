// The Ladder network's parameter tree and its three passes (Rasmus et al. 2015, "Semi-Supervised Learning with
// Ladder Networks", Algorithm 1): the clean and the corrupted encoder (z_pre = W h without bias, batch-normalised,
// plus Gaussian noise on the corrupted path, then h = relu(z + beta), softmax(gamma (z + beta)) at the top) and the
// top-down decoder with the "vanilla" combinator g(z̃, u) of 10 parameters per unit. ladder.ts trains it.
import { normal } from '../nn/init.js';
import { BatchNorm1d } from '../nn/batchnorm.js';
import { Module } from '../nn/module.js';
import { relu, sigmoid } from '../ops/activations.js';
import { batchNormalize, normalizeWith } from '../ops/batchnorm.js';
import { full, zeros } from '../ops/creation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { randn } from '../ops/random.js';
import { softmax } from '../ops/reduce.js';
import type { Generator } from '../random.js';
import { markKept, type Device, type Tensor } from '../tensor.js';
import type { Likelihood } from './parts/likelihood.js';

/** Keeps a new parameter or buffer out of every tidy() scope (the module owns it). */
function owned(t: Tensor): Tensor {
  markKept(t);
  return t;
}

/**
 * The vanilla combinator of one layer: mu = a1 sigmoid(a2 u + a3) + a4 u + a5, v = a6 sigmoid(a7 u + a8) + a9 u +
 * a10, ẑ = (z̃ - mu) v + mu, each a_k one value per unit. Initialised as the paper's code: a2 = a7 = 1, the rest 0
 * (so ẑ starts at 0).
 */
export class Combinator extends Module {
  a1: Tensor; a2: Tensor; a3: Tensor; a4: Tensor; a5: Tensor;
  a6: Tensor; a7: Tensor; a8: Tensor; a9: Tensor; a10: Tensor;

  constructor(width: number, device: Device) {
    super();
    const p = (value: number): Tensor => owned(full([width], value, { device, requiresGrad: true }));
    this.a1 = p(0); this.a2 = p(1); this.a3 = p(0); this.a4 = p(0); this.a5 = p(0);
    this.a6 = p(0); this.a7 = p(1); this.a8 = p(0); this.a9 = p(0); this.a10 = p(0);
  }

  /** ẑ = g(z̃, u) for z̃ and u [rows, width]. */
  forward(zCorrupted: Tensor, u: Tensor): Tensor {
    const mu = add(add(mul(sigmoid(add(mul(u, this.a2), this.a3)), this.a1), mul(u, this.a4)), this.a5);
    const v = add(add(mul(sigmoid(add(mul(u, this.a7), this.a8)), this.a6), mul(u, this.a9)), this.a10);
    return add(mul(sub(zCorrupted, mu), v), mu);
  }
}

/** What one encoder pass gives: the normalised z of every layer (z[0] is the input) and the top logits. */
export interface EncoderPass {
  z: Tensor[];
  /** clean pass in training: the batch mean and variance of each z_pre (index 0 unused), detached */
  stats: { mean: Tensor; variance: Tensor }[];
  logits: Tensor;
}

export class LadderNetwork extends Module {
  // arrays are indexed by layer (0 = the input) and hold nothing where a layer has no such part, so the names in
  // the state dict are the paper's: encoder.1 is W_1, decoder.1 is V_1, combinators.0 is g_0
  /** encoder weights W_l [width_{l-1}, width_l], l = 1..L */
  encoder: Tensor[];
  /** the shift beta_l [width_l] before each activation, l = 1..L */
  beta: Tensor[];
  /** the top layer's scale gamma [classes] (a ReLU layer needs none: the next W absorbs a scale) */
  gamma: Tensor;
  /** running statistics of each z_pre for evaluation (no affine parameters), l = 1..L */
  norms: BatchNorm1d[];
  /** decoder weights V_l [width_l, width_{l-1}], l = lowest + 1..L */
  decoder: Tensor[];
  /** the input layer's likelihood when its denoising cost is one (null: the squared error) */
  inputLikelihood: Likelihood | null = null;
  /** the combinators g_l, l = lowest..L */
  combinators: Combinator[];

  /**
   * widths = [input, hidden..., classes]; decoding stops at layer `lowest` (the lowest layer with a denoising
   * cost: 0 for the full ladder, L for the Γ-model). Weights are N(0, 1/fan_in) as in the paper's code.
   */
  constructor(readonly widths: readonly number[], readonly lowest: number, readonly eps: number, gen: Generator,
    device: Device) {
    super();
    const L = widths.length - 1;
    const weight = (rows: number, cols: number): Tensor => {
      const w = owned(zeros([rows, cols], { device, requiresGrad: true }));
      normal(w, 0, 1 / Math.sqrt(rows), gen);
      return w;
    };
    this.encoder = new Array<Tensor>(L + 1);
    this.beta = new Array<Tensor>(L + 1);
    this.norms = new Array<BatchNorm1d>(L + 1);
    for (let l = 1; l <= L; l++) {
      this.encoder[l] = weight(widths[l - 1], widths[l]);
      this.beta[l] = owned(zeros([widths[l]], { device, requiresGrad: true }));
      this.norms[l] = new BatchNorm1d(widths[l], { affine: false, eps, device });
    }
    this.gamma = owned(full([widths[L]], 1, { device, requiresGrad: true }));
    this.decoder = new Array<Tensor>(L + 1);
    for (let l = lowest + 1; l <= L; l++) this.decoder[l] = weight(widths[l], widths[l - 1]);
    this.combinators = new Array<Combinator>(L + 1);
    for (let l = lowest; l <= L; l++) this.combinators[l] = new Combinator(widths[l], device);
  }

  /** h_l from the normalised z_l: relu(z + beta) below the top, the logits gamma (z + beta) at the top. */
  private activation(l: number, z: Tensor): Tensor {
    const shifted = add(z, this.beta[l]);
    return l === this.widths.length - 1 ? mul(shifted, this.gamma) : relu(shifted);
  }

  /**
   * The clean encoder on x (missing values already zeroed). Training mode: each z_pre is normalised by its batch
   * statistics (returned, and folded into the running averages); eval mode: by the running averages.
   */
  clean(x: Tensor): EncoderPass {
    const stats: { mean: Tensor; variance: Tensor }[] = [];
    const pass = this.pass(x, (l, pre) => {
      const norm = this.norms[l];
      if (!this.training) return normalizeWith(pre, norm.runningMean, norm.runningVar, this.eps);
      const bn = batchNormalize(pre, this.eps);
      norm.updateRunning(bn.mean, bn.variance, pre.rows);
      stats[l] = { mean: bn.mean, variance: bn.variance };
      return bn.y;
    });
    return { ...pass, stats };
  }

  /**
   * The corrupted encoder: N(0, noise²) added to x and to every z_pre normalised by its own batch statistics.
   * Noise draw order: randn([rows, width_l]) for l = 0 (the input), 1, ..., L.
   */
  corrupted(x: Tensor, noise: number, gen: Generator): EncoderPass {
    const draw = (t: Tensor): Tensor => (noise > 0 ? add(t, randn(t.shape, gen, { std: noise, device: t.device })) : t);
    return { ...this.pass(draw(x), (_, pre) => draw(batchNormalize(pre, this.eps).y)), stats: [] };
  }

  /** The encoder layers from h_0 = input, with z_l = normalise(l, h_{l-1} W_l). */
  private pass(input: Tensor, normalise: (l: number, pre: Tensor) => Tensor): { z: Tensor[]; logits: Tensor } {
    const z = [input];
    let h = input;
    for (let l = 1; l < this.widths.length; l++) {
      z.push(normalise(l, matmul(h, this.encoder[l])));
      h = this.activation(l, z[l]);
    }
    return { z, logits: h };
  }

  /**
   * The decoder from the corrupted pass, top-down from u = batchnorm(softmax(logits)) to layer `lowest`; returns
   * ẑ_BN per layer (index l; undefined below lowest): ẑ normalised by the clean pass's batch statistics (layer 0,
   * the input, is not normalised).
   */
  decode(corrupted: EncoderPass, clean: EncoderPass): Tensor[] {
    const L = this.widths.length - 1;
    const out: Tensor[] = [];
    let u = batchNormalize(softmax(corrupted.logits), this.eps).y;
    for (let l = L; l >= this.lowest; l--) {
      const zHat = this.combinators[l].forward(corrupted.z[l], u);
      const s = clean.stats[l];
      out[l] = l === 0 ? zHat : normalizeWith(zHat, s.mean, s.variance, this.eps);
      if (l > this.lowest) u = batchNormalize(matmul(zHat, this.decoder[l]), this.eps).y;
    }
    return out;
  }
}
