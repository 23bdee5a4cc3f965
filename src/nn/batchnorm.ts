// BatchNorm1d over [rows, features]: in training mode the batch's statistics normalise and update running averages
// (momentum as PyTorch: running = (1 - m) running + m batch, with the unbiased variance); in eval mode the running
// statistics normalise. An optional learned scale (gamma) and shift (beta) follow.
import { noGrad } from '../autograd.js';
import { lerp_ } from '../ops/inplace.js';
import { batchNormalize, normalizeWith } from '../ops/batchnorm.js';
import { ones, zeros } from '../ops/creation.js';
import { add, mul, scale } from '../ops/elementwise.js';
import { Tensor, markKept, shapeString, tidy, type Device } from '../tensor.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  /** learned gamma and beta (default true) */
  affine?: boolean;
  /** learned beta only (the Ladder network's shift before the activation); ignored when affine is true */
  shiftOnly?: boolean;
  momentum?: number;
  eps?: number;
  device?: Device;
}

export class BatchNorm1d extends Module {
  readonly features: number;
  readonly momentum: number;
  readonly eps: number;
  gamma: Tensor | null;
  beta: Tensor | null;
  runningMean: Tensor;
  runningVar: Tensor;

  constructor(features: number, options: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(features) || features < 1) throw new Error(`BatchNorm1d: features must be a positive integer, got ${features}`);
    const momentum = options.momentum ?? 0.1;
    const eps = options.eps ?? 1e-5;
    if (!(momentum > 0 && momentum <= 1)) throw new Error(`BatchNorm1d: momentum must be in (0, 1], got ${momentum}`);
    if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`BatchNorm1d: eps must be a positive number, got ${eps}`);
    this.features = features;
    this.momentum = momentum;
    this.eps = eps;
    const device = options.device ?? 'cpu';
    const affine = options.affine ?? true;
    this.gamma = affine ? markKeptTensor(ones([features], { device, requiresGrad: true })) : null;
    this.beta = affine || options.shiftOnly === true ? markKeptTensor(zeros([features], { device, requiresGrad: true })) : null;
    this.runningMean = markKeptTensor(zeros([features], { device }));
    this.runningVar = markKeptTensor(ones([features], { device }));
  }

  /** The normalised x (training: batch statistics, updating the running ones; eval: running statistics). */
  normalize(x: Tensor): Tensor {
    if (x instanceof Tensor && (x.shape.length !== 2 || x.shape[1] !== this.features)) {
      throw new Error(`BatchNorm1d: x must be [rows, ${this.features}], got ${shapeString(x.shape)}`);
    }
    if (!this.training) return normalizeWith(x, this.runningMean, this.runningVar, this.eps);
    const { y, mean, variance } = batchNormalize(x, this.eps);
    this.updateRunning(mean, variance, x.shape[0]);
    mean.dispose();
    variance.dispose();
    return y;
  }

  /** gamma · normalize(x) + beta */
  forward(x: Tensor): Tensor {
    let y = this.normalize(x);
    if (this.gamma !== null) y = mul(y, this.gamma);
    if (this.beta !== null) y = add(y, this.beta);
    return y;
  }

  /** running += momentum (batch - running); the variance made unbiased first (rows / (rows - 1)). */
  updateRunning(mean: Tensor, variance: Tensor, rows: number): void {
    const unbiased = rows > 1 ? rows / (rows - 1) : 1;
    tidy(() => noGrad(() => {
      lerp_([this.runningMean, this.runningVar], [mean, scale(variance, unbiased)], this.momentum);
    }));
  }
}

function markKeptTensor(t: Tensor): Tensor {
  markKept(t);
  return t;
}
