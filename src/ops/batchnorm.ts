// Batch normalisation over the rows of a [rows, cols] tensor: y = (x - mean) / sqrt(var + eps) per column, with the
// biased batch variance (as in training mode of every framework), and the eval-mode form with given statistics.
// Written here from existing ops; its gradient is the full batch-norm gradient (through the mean and variance).
import { add, div, sub } from './elementwise.js';
import { sqrt, square } from './activations.js';
import { mean } from './reduce.js';
import { detach } from './shape.js';
import { checkLive, shapeString } from './raw.js';
import type { Tensor } from '../tensor.js';

function checkMatrix(name: string, x: Tensor): void {
  checkLive(name, x);
  if (x.shape.length !== 2 || x.shape[0] < 1 || x.shape[1] < 1) {
    throw new Error(`${name}: x must be [rows, cols] with rows >= 1, got ${shapeString(x.shape)}`);
  }
}

function checkEps(name: string, eps: number): void {
  if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`${name}: eps must be a positive number, got ${eps}`);
}

/**
 * Normalises each column of x [rows, cols] by the batch's mean and biased variance. Returns the normalised y
 * (differentiable, gradient through the batch statistics) and the statistics themselves, detached, [cols].
 */
export function batchNormalize(x: Tensor, eps = 1e-5): { y: Tensor; mean: Tensor; variance: Tensor } {
  checkMatrix('batchNormalize', x);
  checkEps('batchNormalize', eps);
  const m = mean(x, 0);
  const d = sub(x, m);
  const v = mean(square(d), 0);
  const y = div(d, sqrt(add(v, eps)));
  return { y, mean: detach(m), variance: detach(v) };
}

/** (x - mean) / sqrt(variance + eps) with given statistics [cols] (eval mode); differentiable in x only. */
export function normalizeWith(x: Tensor, mean: Tensor, variance: Tensor, eps = 1e-5): Tensor {
  checkMatrix('normalizeWith', x);
  checkEps('normalizeWith', eps);
  for (const [what, t] of [['mean', mean], ['variance', variance]] as const) {
    checkLive('normalizeWith', t);
    if (t.size !== x.shape[1]) {
      throw new Error(`normalizeWith: ${what} ${shapeString(t.shape)} must hold ${x.shape[1]} values for x ${shapeString(x.shape)}`);
    }
  }
  return div(sub(x, detach(mean)), sqrt(add(detach(variance), eps)));
}
