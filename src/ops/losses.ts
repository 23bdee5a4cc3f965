// Per-row losses on fused kernels: softmax cross-entropy (class indices or target probabilities), sigmoid
// cross-entropy with logits (NaN targets masked), and the KL of N(mu, exp(logvar)) from N(0, 1). The forward
// kernel also writes d loss / d logits when a gradient is needed; the rule scales it by the incoming gradient.
import { Binary, Broadcast } from '../native.js';
import { needsGrad, needsGrad2, record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { addon, affineRaw, binaryRaw, checkPair, sameShape, shapeString } from './raw.js';

function lossShape(x: Tensor): number[] {
  return x.shape.slice(0, -1);
}

/** -g[r] * v[r, c] for every column: the gradient with respect to targets. */
function negScaledByRow(v: Tensor, g: Tensor, rows: number, cols: number, shape: readonly number[]): Tensor {
  const t = binaryRaw(Binary.mul, rows, cols, v, Broadcast.full, g, Broadcast.col, shape);
  const n = affineRaw(t, -1);
  t.dispose();
  return n;
}

/**
 * Cross-entropy of softmax(logits) per row, [rows]. `target` is either class indices (a tensor of `rows`
 * floats holding 0..cols-1; no gradient) or probabilities shaped like logits (differentiable). Probability rows
 * must sum to 1: the fused logits gradient softmax(x) - t assumes it.
 */
export function softmaxCrossEntropy(logits: Tensor, target: Tensor): Tensor {
  checkPair('softmaxCrossEntropy', logits, target, 'logits', 'target');
  if (logits.shape.length < 1) throw new Error('softmaxCrossEntropy: logits must have at least one dimension, got []');
  const rows = logits.rows;
  const cols = logits.cols;
  const isProbabilities = sameShape(target.shape, logits.shape);
  if (!isProbabilities && target.size !== rows) {
    throw new Error(`softmaxCrossEntropy: target ${shapeString(target.shape)} fits neither class indices [${rows}] ` +
      `nor probabilities ${shapeString(logits.shape)} for logits ${shapeString(logits.shape)}`);
  }
  const shape = lossShape(logits);
  const loss = Tensor._empty(logits.device, shape, rows);
  const wantLogitsGrad = needsGrad(logits);
  const dlogits = wantLogitsGrad ? Tensor._empty(logits.device, logits.shape, logits.size) : null;
  addon().softmaxXent(rows, cols, logits.storage, logits.offset,
    isProbabilities ? null : target.storage, isProbabilities ? 0 : target.offset,
    isProbabilities ? target.storage : null, isProbabilities ? target.offset : 0,
    loss.storage, loss.offset, dlogits === null ? null : dlogits.storage, 0);
  const wantTargetGrad = isProbabilities && needsGrad(target);
  if (!wantLogitsGrad && !wantTargetGrad) return loss;
  return record(loss, 'softmaxCrossEntropy', [logits, target], (g) => {
    const gl = dlogits === null ? null
      : binaryRaw(Binary.mul, rows, cols, dlogits, Broadcast.full, g, Broadcast.col, logits.shape);
    let gt: Tensor | null = null;
    if (wantTargetGrad) {
      const logp = Tensor._empty(logits.device, logits.shape, logits.size);
      addon().softmax(true, rows, cols, logits.storage, logits.offset, logp.storage, logp.offset);
      gt = negScaledByRow(logp, g, rows, cols, target.shape);
      logp.dispose();
    }
    return [gl, gt];
  }, dlogits === null ? undefined : [dlogits]);
}

/**
 * Binary cross-entropy with logits summed over each row, [rows]: max(x,0) - x t + log(1 + exp(-|x|)).
 * NaN targets are missing values: they add neither loss nor gradient.
 */
export function sigmoidCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  checkPair('sigmoidCrossEntropy', logits, targets, 'logits', 'targets');
  if (!sameShape(logits.shape, targets.shape) || logits.shape.length < 1) {
    throw new Error(`sigmoidCrossEntropy: logits ${shapeString(logits.shape)} and targets ` +
      `${shapeString(targets.shape)} must have the same shape (at least 1-D)`);
  }
  const rows = logits.rows;
  const cols = logits.cols;
  const loss = Tensor._empty(logits.device, lossShape(logits), rows);
  const dlogits = needsGrad(logits) ? Tensor._empty(logits.device, logits.shape, logits.size) : null;
  addon().sigmoidXent(rows, cols, logits.storage, logits.offset, targets.storage, targets.offset, loss.storage,
    loss.offset, dlogits === null ? null : dlogits.storage, 0);
  if (!needsGrad2(logits, targets)) return loss;
  return record(loss, 'sigmoidCrossEntropy', [logits, targets], (g) => [
    dlogits === null ? null : binaryRaw(Binary.mul, rows, cols, dlogits, Broadcast.full, g, Broadcast.col, logits.shape),
    targets.requiresGrad ? targetGradient(logits, targets, g, rows, cols) : null,
  ], dlogits === null ? undefined : [dlogits]);
}

/** d loss / d t = -x where t is a number, 0 where t is missing (NaN). */
function targetGradient(logits: Tensor, targets: Tensor, g: Tensor, rows: number, cols: number): Tensor {
  // The mask comes from the kernel's own masking: at logit 0 against 0·t (0, or NaN where t is NaN) its gradient
  // is sigmoid(0) - 0 = 0.5 or 0; doubled, that is 1 where t is present and 0 where it is missing.
  const zeroOrNaN = affineRaw(targets, 0);
  const zeroLogits = Tensor._empty(logits.device, logits.shape, logits.size);
  addon().fill(zeroLogits.storage, zeroLogits.offset, logits.size, 0);
  const rowLoss = Tensor._empty(logits.device, lossShape(logits), rows);
  const half = Tensor._empty(logits.device, logits.shape, logits.size);
  addon().sigmoidXent(rows, cols, zeroLogits.storage, zeroLogits.offset, zeroOrNaN.storage, zeroOrNaN.offset,
    rowLoss.storage, rowLoss.offset, half.storage, half.offset);
  const masked = binaryRaw(Binary.mul, rows, cols, logits, Broadcast.full, half, Broadcast.full, logits.shape);
  const grad = negScaledByRow(masked, g, rows, cols, targets.shape);
  const result = affineRaw(grad, 2);
  for (const t of [zeroOrNaN, zeroLogits, rowLoss, half, masked, grad]) t.dispose();
  return result;
}

/** KL(N(mu, exp(logvar)) || N(0, 1)) summed over each row, [rows]. */
export function gaussianKl(mu: Tensor, logvar: Tensor): Tensor {
  checkPair('gaussianKl', mu, logvar, 'mu', 'logvar');
  if (!sameShape(mu.shape, logvar.shape) || mu.shape.length < 1) {
    throw new Error(`gaussianKl: mu ${shapeString(mu.shape)} and logvar ${shapeString(logvar.shape)} must have ` +
      'the same shape (at least 1-D)');
  }
  const rows = mu.rows;
  const cols = mu.cols;
  const loss = Tensor._empty(mu.device, lossShape(mu), rows);
  const dlogvar = needsGrad(logvar) ? Tensor._empty(mu.device, mu.shape, mu.size) : null;
  // d/dmu = mu, so only d/dlogvar = 0.5 (exp(logvar) - 1) needs the kernel
  addon().gaussianKl(rows, cols, mu.storage, mu.offset, logvar.storage, logvar.offset, loss.storage, loss.offset,
    null, 0, dlogvar === null ? null : dlogvar.storage, 0);
  if (!needsGrad2(mu, logvar)) return loss;
  return record(loss, 'gaussianKl', [mu, logvar], (g) => [
    mu.requiresGrad ? binaryRaw(Binary.mul, rows, cols, mu, Broadcast.full, g, Broadcast.col, mu.shape) : null,
    dlogvar === null ? null : binaryRaw(Binary.mul, rows, cols, dlogvar, Broadcast.full, g, Broadcast.col, mu.shape),
  ], dlogvar === null ? undefined : [dlogvar]);
}
