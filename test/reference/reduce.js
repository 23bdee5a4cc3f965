// Float64 references of the reductions (sum, mean, max, log-sum-exp along rows or columns) and of softmax and
// log-softmax, rows that break naive forms, and softmax's float32 tolerance.
import { Axis, REDUCE_OPS } from '../../dist/src/native.js';
import { U32 } from './device.js';

function lse(xs) {
  let m = -Infinity;
  for (const v of xs) if (v > m) m = v;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const v of xs) s += Math.exp(v - m);
  return m + Math.log(s);
}

/** the vectors a reduction runs over: each row (axis rows) or each column (axis cols) */
function lanes(axis, rows, cols, x) {
  const out = [];
  if (axis === Axis.rows) {
    for (let r = 0; r < rows; r++) out.push(Array.from(x.subarray(r * cols, (r + 1) * cols)));
  } else {
    for (let c = 0; c < cols; c++) {
      const lane = new Array(rows);
      for (let r = 0; r < rows; r++) lane[r] = x[r * cols + c];
      out.push(lane);
    }
  }
  return out;
}

/** { out, scale, len }: the reduction, the magnitude of its terms, and the lane length */
export function refReduce(op, axis, rows, cols, x) {
  const ls = lanes(axis, rows, cols, x);
  const out = new Float64Array(ls.length);
  const scale = new Float64Array(ls.length);
  ls.forEach((lane, i) => {
    const sum = lane.reduce((s, v) => s + v, 0);
    const abs = lane.reduce((s, v) => s + Math.abs(v), 0);
    switch (REDUCE_OPS[op]?.name) {
      case 'sum': out[i] = sum; scale[i] = abs; break;
      case 'mean': out[i] = sum / lane.length; scale[i] = abs / lane.length; break;
      case 'max': out[i] = Math.max(...lane); scale[i] = 0; break;
      case 'logsumexp': out[i] = lse(lane); scale[i] = Math.abs(out[i]) + Math.max(...lane.map(Math.abs)); break;
      default: throw new Error(`reduce ${op}`);
    }
  });
  return { out, scale, len: axis === Axis.rows ? cols : rows };
}

/** softmax or log-softmax of each row, as (x - max) - log(sum exp(x - max)) so that rows of -1e30 stay exact */
export function refSoftmax(log, rows, cols, x) {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    let m = -Infinity;
    for (const v of row) if (v > m) m = v;
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    const ls = Math.log(s);
    for (let c = 0; c < cols; c++) out[r * cols + c] = log ? row[c] - m - ls : Math.exp(row[c] - m) / s;
  }
  return out;
}

/** rows that break naive forms: all -1e30, mixed -1e30, large positives, all negative, one huge entry */
export function hardRows(r, cols) {
  const rows = [];
  rows.push(new Float32Array(cols).fill(-1e30));
  rows.push(Float32Array.from({ length: cols }, (_, i) => (i % 3 === 1 ? r.uniform(-2, 2) : -1e30)));
  rows.push(Float32Array.from({ length: cols }, () => 1e4 + r.uniform(-5, 5)));
  rows.push(Float32Array.from({ length: cols }, () => 95 + r.uniform(-3, 3)));
  rows.push(Float32Array.from({ length: cols }, () => r.uniform(-50, -40)));
  rows.push(Float32Array.from({ length: cols }, (_, i) => (i === cols - 1 ? 500 : r.uniform(-1, 1))));
  const x = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => x.set(row, i * cols));
  return x;
}

/**
 * The stable form computes (x - max) exactly where it matters and log of a sum of at most `cols` terms
 * in [0, 1]: log-softmax is good to a few u (|x - max| + |result| + log cols), softmax to that relative
 * error of each probability. (x - lse with lse rounded at |x| = 1e4 is not: it loses ulp(1e4).)
 */
export function softmaxTolerance(log, rows, cols, x, expected) {
  const tol = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const logp = log ? expected[i] : Math.log(expected[i]);
      const e = 4 * U32 * (2 + Math.abs(x[i] - m) + Math.abs(logp) + Math.log(cols));
      tol[i] = log ? 1e-6 + e : 1e-7 + (expected[i] > 0 ? e * expected[i] : 0);
    }
  }
  return tol;
}
