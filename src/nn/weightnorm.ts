// A weight-normalised linear layer (Salimans & Kingma 2016): the weight is W = v · g / ||v|| per output column, so
// its direction v and its length g are learned apart (the layer's output no longer scales with ||v||). As in the
// SS-GAN authors' MNIST code, the length g is either trained or fixed (a buffer), and initFromData sets g and the
// bias from a batch so every output unit starts with zero mean and a chosen standard deviation on real data.
import { noGrad } from '../autograd.js';
import { addon } from '../backend.js';
import { checkActivation, sqrt, square, type Activation } from '../ops/activations.js';
import { ones, zeros } from '../ops/creation.js';
import { addScalar, div, mul, neg, sub } from '../ops/elementwise.js';
import { linear, matmul } from '../ops/matmul.js';
import { mean, sum } from '../ops/reduce.js';
import type { Generator } from '../random.js';
import { Tensor, markKept, type Device } from '../tensor.js';
import { normal } from './init.js';
import { Module } from './module.js';

export interface WeightNormOptions {
  /** nonlinearity after the affine map (default 'none') */
  activation?: Activation;
  /** learn the length g (default false: g stays as initFromData or the constructor set it) */
  trainScale?: boolean;
  /** standard deviation of the initial direction v's entries (default 0.1, the authors' choice) */
  directionStd?: number;
  generator?: Generator;
  device?: Device;
}

export class WeightNormLinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: Activation;
  /** v, [in, out] */
  direction: Tensor;
  /** g, [out]: a parameter when trained, a buffer otherwise (either way saved with the state) */
  scale: Tensor;
  /** [out] */
  bias: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: WeightNormOptions = {}) {
    super();
    if (!Number.isInteger(inFeatures) || !Number.isInteger(outFeatures) || inFeatures < 1 || outFeatures < 1) {
      throw new Error(`WeightNormLinear: sizes must be positive integers, got ${inFeatures} -> ${outFeatures}`);
    }
    const std = options.directionStd ?? 0.1;
    if (!(std > 0) || !Number.isFinite(std)) throw new Error(`WeightNormLinear: directionStd must be a positive number, got ${std}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.activation = checkActivation('WeightNormLinear', options.activation ?? 'none');
    const device = options.device ?? 'cpu';
    const direction = zeros([inFeatures, outFeatures], { device, requiresGrad: true });
    noGrad(() => normal(direction, 0, std, options.generator));
    this.direction = kept(direction);
    this.scale = kept(ones([outFeatures], { device, requiresGrad: options.trainScale === true }));
    this.bias = kept(zeros([outFeatures], { device, requiresGrad: true }));
  }

  /** W = v · (g / ||v||), the column norms taken over the inputs; differentiable in v and g. */
  weight(): Tensor {
    const norms = sqrt(sum(square(this.direction), 0));
    return mul(this.direction, div(this.scale, norms));
  }

  /** act(x·W + b); pass `weight` (from weight()) to reuse it over several calls within one update. */
  forward(x: Tensor, weight: Tensor = this.weight()): Tensor {
    return linear(x, weight, this.bias, this.activation);
  }

  /**
   * Data-dependent initialisation: with t = x·W, sets g <- g · std / s(t) and b <- -mean(t) · std / s(t) per unit
   * (s: the batch's standard deviation), so that x·W + b has mean 0 and standard deviation `std` over x. Returns
   * the layer's output on x with the new values. No gradient is recorded.
   */
  initFromData(x: Tensor, std = 1): Tensor {
    if (!(std > 0) || !Number.isFinite(std)) throw new Error(`WeightNormLinear.initFromData: std must be a positive number, got ${std}`);
    if (x.rows < 2) throw new Error(`WeightNormLinear.initFromData: needs at least 2 rows to measure a spread, got ${x.rows}`);
    return noGrad(() => {
      const t = matmul(x, this.weight());
      const m = mean(t, 0);
      const s = sqrt(addScalar(mean(square(sub(t, m)), 0), 1e-12));
      const scale = div(mul(this.scale, std), s);
      const bias = neg(div(mul(m, std), s));
      addon().copy(scale.storage, scale.offset, this.scale.storage, this.scale.offset, this.outFeatures);
      addon().copy(bias.storage, bias.offset, this.bias.storage, this.bias.offset, this.outFeatures);
      return this.forward(x);
    });
  }
}

function kept(t: Tensor): Tensor {
  markKept(t);
  return t;
}
