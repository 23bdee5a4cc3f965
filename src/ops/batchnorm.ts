// Batch normalisation over the rows of a [rows, cols] tensor: y = (x - mean) / sqrt(var + eps) per column, with the
// biased batch variance (as in training mode of every framework), and the eval-mode form with given statistics.
// batchNormalize is one fused kernel each way: the forward writes y and the column statistics, the backward is the
// full batch-norm gradient (through the mean and variance) from y and 1/sqrt(var + eps). normalizeWith, whose
// statistics are constants, is written from existing ops.
import { needsGrad, record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { add, div, sub } from './elementwise.js';
import { sqrt } from './activations.js';
import { detach } from './shape.js';
import { addon, checkLive, shapeString } from './raw.js';

function checkMatrix(name: string, x: Tensor): void {
  checkLive(name, x);
  if (x.shape.length !== 2 || x.shape[0] < 1 || x.shape[1] < 1) {
    throw new Error(`${name}: x must be [rows, cols] with rows >= 1, got ${shapeString(x.shape)}`);
  }
}

function checkEps(name: string, eps: number): void {
  // the kernels take eps as a float32: it must stay positive and finite there
  const e = typeof eps === 'number' ? Math.fround(eps) : NaN;
  if (!(e > 0) || !Number.isFinite(e)) throw new Error(`${name}: eps must be a positive float32 number, got ${eps}`);
}

/**
 * Normalises each column of x [rows, cols] by the batch's mean and biased variance. Returns the normalised y
 * (differentiable, gradient through the batch statistics) and the statistics themselves, detached, [cols].
 */
export function batchNormalize(x: Tensor, eps = 1e-5): { y: Tensor; mean: Tensor; variance: Tensor } {
  checkMatrix('batchNormalize', x);
  checkEps('batchNormalize', eps);
  const [rows, cols] = x.shape;
  const y = Tensor._empty(x.device, x.shape, x.size);
  const mean = Tensor._empty(x.device, [cols], cols);
  const variance = Tensor._empty(x.device, [cols], cols);
  const invstd = Tensor._empty(x.device, [cols], cols);
  addon().batchnormForward(rows, cols, x.storage, x.offset, eps, y.storage, y.offset, mean.storage, mean.offset,
    invstd.storage, invstd.offset, variance.storage, variance.offset);
  if (!needsGrad(x)) {
    invstd.dispose();
    return { y, mean, variance };
  }
  // the rule reads y itself (alive while anything downstream of it still needs its gradient) and owns invstd
  record(y, 'batchNormalize', [x], (g) => {
    const dx = Tensor._empty(x.device, x.shape, x.size);
    addon().batchnormBackward(rows, cols, g.storage, g.offset, y.storage, y.offset, invstd.storage, invstd.offset,
      dx.storage, dx.offset);
    return [dx];
  }, [invstd]);
  return { y, mean, variance };
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
