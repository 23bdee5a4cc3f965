// Float64 references of batch normalisation forward and backward, with tolerances derived from float32 error
// bounds of the kernels' blocked sums.
import { U32 } from './device.js';

/** rows the CPU batch-norm kernels sum in float before adding the partial in (compensated) higher precision */
export const BATCHNORM_BLOCK = 16;

/**
 * Batch norm down the columns of x (rows x cols) in float64, two passes, with the kernel's float32 eps: per column
 * mean, biased variance, invstd = 1 / sqrt(variance + eps), and y = (x - mean) invstd; maxDev[c] = max_r |x[r, c] -
 * x[0, c]| (the kernels sum x - x[0]) and absDev[c] = max_r |x[r, c] - mean[c]|.
 */
export function refBatchnorm(rows, cols, x, eps) {
  const e = Math.fround(eps);
  const mean = new Float64Array(cols);
  const variance = new Float64Array(cols);
  const invstd = new Float64Array(cols);
  const maxDev = new Float64Array(cols);
  const y = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      sum += x[r * cols + c];
      maxDev[c] = Math.max(maxDev[c], Math.abs(x[r * cols + c] - x[c]));
    }
    const m = sum / rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (x[r * cols + c] - m) ** 2;
    mean[c] = m;
    variance[c] = q / rows;
    invstd[c] = 1 / Math.sqrt(variance[c] + e);
    for (let r = 0; r < rows; r++) y[r * cols + c] = (x[r * cols + c] - m) * invstd[c];
  }
  return { mean, variance, invstd, y, maxDev, eps: e };
}

/**
 * Tolerances of batchnorm_forward from float32 error bounds (u the unit roundoff, B = BATCHNORM_BLOCK): a float sum
 * of a block errs by at most B u times its terms' magnitude, so the mean is off by dm <= B u maxDev; the variance,
 * a sum of squares of (x - mean) each good to 2 u, by (B + 8) u var + dm^2; invstd by half the variance's relative
 * error plus 2 u; y by dm invstd plus its own and invstd's relative errors.
 */
export function batchnormTolerances(rows, cols, ref) {
  const B = BATCHNORM_BLOCK;
  const dm = Float64Array.from(ref.maxDev, (d) => B * U32 * d);
  const variance = Float64Array.from(ref.variance, (v, c) => (B + 8) * U32 * v + dm[c] ** 2);
  const invstdRel = Float64Array.from(variance, (t, c) => 0.5 * t / (ref.variance[c] + ref.eps) + 2 * U32);
  return {
    mean: Float64Array.from(ref.mean, (m, c) => 2 * U32 * Math.abs(m) + dm[c]),
    variance,
    invstd: Float64Array.from(ref.invstd, (s, c) => invstdRel[c] * s),
    y: Float64Array.from(ref.y, (v, i) => dm[i % cols] * ref.invstd[i % cols] + (3 * U32 + invstdRel[i % cols]) * Math.abs(v)),
  };
}

/**
 * dx = invstd (dy - mean_rows(dy) - y mean_rows(dy y)) per column in float64 from the given (float32) dy, y and
 * invstd, with its float32 error bound: the row means a and b off by B u times the mean magnitude of their terms
 * (plus their rounding), and the final expression by 2 u of each of its terms, times invstd.
 */
export function refBatchnormBackward(rows, cols, dy, y, invstd) {
  const B = BATCHNORM_BLOCK;
  const dx = new Float64Array(rows * cols);
  const tol = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    let a = 0;
    let b = 0;
    let absA = 0;
    let absB = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      a += dy[i];
      b += dy[i] * y[i];
      absA += Math.abs(dy[i]);
      absB += Math.abs(dy[i] * y[i]);
    }
    a /= rows;
    b /= rows;
    const da = B * U32 * (absA / rows) + U32 * Math.abs(a);
    const db = (B + 1) * U32 * (absB / rows) + U32 * Math.abs(b);
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      dx[i] = invstd[c] * (dy[i] - a - y[i] * b);
      tol[i] = invstd[c] * (da + Math.abs(y[i]) * db + 2 * U32 * (Math.abs(dy[i]) + Math.abs(a) + Math.abs(y[i] * b))) +
        2 * U32 * Math.abs(dx[i]);
    }
  }
  return { dx, tol };
}
