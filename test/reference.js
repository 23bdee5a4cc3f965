// Float64 reference implementations of the kernels in kernels/include/semigen/kernels.h, written
// independently of the engine, plus the device-buffer plumbing the kernel tests share: operands placed
// at odd offsets inside storages with guard elements around them, outputs poisoned with NaN, and a
// Philox4x32-10 written from the Random123 definition. Used by test/kernels/* and test/native/*.

import * as assert from 'uvu/assert';
import { noteCudaSkipped, randomArray, rng } from './helpers.js';

// ---- enums, as kernels.h numbers them ----
export const UNARY = {
  affine: 0, relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4, softplus: 5, exp: 6, log: 7, square: 8, sqrt: 9, abs: 10,
  missingMask: 11, fillMissing: 12,
};
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };
export const BCAST = { full: 0, row: 1, col: 2, scalar: 3 };
export const REDUCE = { sum: 0, mean: 1, max: 2, logsumexp: 3 };
export const AXIS = { rows: 0, cols: 1 };
export const DIST = { uniform: 0, normal: 1, bernoulli: 2 };

/** float32 unit roundoff */
export const U32 = 2 ** -24;

// ---- device operands with guards ----

/** The value written around every operand; a kernel writing outside its view changes it. */
export const GUARD = 1234.5;

/**
 * Operand factory for one device. Each operand gets its own storage with `pad` guard elements before
 * and after, so offsets are non-zero and unaligned. `read` returns the view and checks both guards.
 */
export function deviceIO(native, device, { pad = 3 } = {}) {
  const live = [];
  const place = (data, p) => {
    const s = native.alloc(device, data.length + 2 * p);
    live.push(s);
    const full = new Float32Array(data.length + 2 * p).fill(GUARD);
    full.set(data, p);
    native.upload(s, 0, full);
    return { s, off: p, n: data.length };
  };
  return {
    /** an operand holding `data` (a Float32Array or array of numbers) */
    input: (data, p = pad) => place(data instanceof Float32Array ? data : Float32Array.from(data), p),
    /** an output of n elements poisoned with NaN */
    output: (n, p = pad) => place(new Float32Array(n).fill(NaN), p),
    /** the operand's view; throws if a guard element was overwritten */
    read: (t, what = 'output') => {
      const full = native.download(t.s, 0, t.n + 2 * t.off);
      for (let i = 0; i < t.off; i++) {
        if (!Object.is(full[i], GUARD) || !Object.is(full[t.n + t.off + i], GUARD)) {
          throw new Error(`${what}: an element outside the view was written (guard ${i})`);
        }
      }
      return full.slice(t.off, t.off + t.n);
    },
    free: () => {
      for (const s of live.splice(0)) if (!s.freed) native.free(s);
    },
  };
}

/** `data` with `before` and `after` GUARD elements around it */
export function framed(data, before = 1, after = 1) {
  const out = new Float32Array(data.length + before + after).fill(GUARD);
  out.set(data, before);
  return out;
}

/** the devices the kernel tests run on: every device the addon lists, or SEMIGEN_TEST_DEVICES=cpu,cuda:0 */
export function testDevices(native) {
  const listed = native.devices().map((d) => d.device);
  noteCudaSkipped(listed);
  const wanted = process.env.SEMIGEN_TEST_DEVICES;
  return wanted ? wanted.split(',').filter((d) => listed.includes(d)) : listed;
}

// ---- comparison with a per-element tolerance ----

/**
 * Returns null when |actual[i] - expected[i]| <= tol[i] for every i (tol a number or an array), else a
 * message naming the worst element. NaN in actual always fails; equal infinities pass.
 */
export function compare(actual, expected, tol, what = 'value') {
  if (actual.length !== expected.length) return `${what}: length ${actual.length} != ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue;
    const t = typeof tol === 'number' ? tol : tol[i];
    const excess = Math.abs(a - e) - t;
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
      if (Number.isNaN(a)) break;
    }
  }
  if (worst < 0) return null;
  const t = typeof tol === 'number' ? tol : tol[worst];
  return `${what}[${worst}] = ${actual[worst]}, expected ${expected[worst]} (tolerance ${t.toExponential(2)})`;
}

/** Returns null when actual holds exactly expected's float32 values (NaN matching NaN, -0 only -0), else a message. */
export function identical(actual, expected, what = 'value') {
  if (actual.length !== expected.length) return `${what}: length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], Math.fround(expected[i]))) return `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`;
  }
  return null;
}

/** fails the current test with the message `compare` returned, if any */
export function check(message) {
  if (message) assert.unreachable(message);
}

/** per-element tolerance atol + rtol * |scale[i]| */
export function tolerance(scale, atol, rtol) {
  const t = new Float64Array(scale.length);
  for (let i = 0; i < scale.length; i++) t[i] = atol + rtol * Math.abs(scale[i]);
  return t;
}

// ---- GEMM ----

/** an activation of the GEMM epilogue (AFFINE meaning none) */
export function epilogue(act, v, actAlpha) {
  switch (act) {
    case UNARY.affine: return v;
    case UNARY.relu: return v > 0 ? v : 0;
    case UNARY.leakyRelu: return v > 0 ? v : actAlpha * v;
    case UNARY.sigmoid: return 1 / (1 + Math.exp(-v));
    case UNARY.tanh: return Math.tanh(v);
    default: throw new Error(`epilogue ${act}`);
  }
}

/**
 * C = act(alpha op(A) op(B) + beta C + bias) in float64. Returns { out, scale }: `scale` is the sum of
 * the magnitudes of every term of an element before the activation (the condition of the sum), from
 * which the tests derive the float32 tolerance. C is read only when beta != 0.
 */
export function refGemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, bias, act, actAlpha) {
  const out = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  const a = new Float64Array(m * k); // op(A), dense m x k
  for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) a[i * k + l] = transA ? A[l * lda + i] : A[i * lda + l];
  const bt = new Float64Array(n * k); // op(B) transposed, dense n x k
  for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) bt[j * k + l] = transB ? B[j * ldb + l] : B[l * ldb + j];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      const ai = i * k;
      const bj = j * k;
      for (let l = 0; l < k; l++) {
        const p = a[ai + l] * bt[bj + l];
        s += p;
        sa += Math.abs(p);
      }
      let v = alpha * s;
      let mag = Math.abs(alpha) * sa;
      if (beta !== 0) {
        v += beta * C[i * ldc + j];
        mag += Math.abs(beta * C[i * ldc + j]);
      }
      if (bias) {
        v += bias[j];
        mag += Math.abs(bias[j]);
      }
      out[i * n + j] = epilogue(act, v, actAlpha);
      scale[i * n + j] = mag;
    }
  }
  return { out, scale };
}

/**
 * The GEMM tolerance of an element: 8 u sqrt(k) times the magnitude sum of its terms, plus 1e-6. The
 * epilogue activations are 1-Lipschitz (leaky relu with |slope| <= 1), so the bound carries through them.
 */
export function gemmTolerance(scale, k) {
  return tolerance(scale, 1e-6, 8 * U32 * Math.sqrt(Math.max(k, 1)) + 2 * U32);
}

// ---- unary ----

export const softplus = (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
export const sigmoid = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export function refUnaryOne(op, x, alpha, beta) {
  switch (op) {
    case UNARY.affine: return alpha * x + beta;
    case UNARY.relu: return x > 0 ? x : 0;
    case UNARY.leakyRelu: return x > 0 ? x : alpha * x;
    case UNARY.sigmoid: return sigmoid(x);
    case UNARY.tanh: return Math.tanh(x);
    case UNARY.softplus: return softplus(x);
    case UNARY.exp: return Math.exp(x);
    case UNARY.log: return Math.log(x);
    case UNARY.square: return x * x;
    case UNARY.sqrt: return Math.sqrt(x);
    case UNARY.abs: return Math.abs(x);
    case UNARY.missingMask: return Number.isNaN(x) ? 0 : 1;
    case UNARY.fillMissing: return Number.isNaN(x) ? alpha : x;
    default: throw new Error(`unary ${op}`);
  }
}

export function refUnary(op, x, alpha = 0, beta = 0) {
  return Float64Array.from(x, (v) => refUnaryOne(op, v, alpha, beta));
}

/** dx = dy * op'(x) from x and/or y = op(x), the way kernels.h says each op receives them */
export function refUnaryBackwardOne(op, x, y, dy, alpha) {
  switch (op) {
    case UNARY.affine: return dy * alpha;
    case UNARY.relu: return x > 0 ? dy : 0;
    case UNARY.leakyRelu: return x > 0 ? dy : dy * alpha;
    case UNARY.sigmoid: return dy * y * (1 - y);
    case UNARY.tanh: return dy * (1 - y * y);
    case UNARY.softplus: return dy * sigmoid(x);
    case UNARY.exp: return dy * y;
    case UNARY.log: return dy / x;
    case UNARY.square: return dy * 2 * x;
    case UNARY.sqrt: return (dy * 0.5) / y;
    case UNARY.abs: return x > 0 ? dy : x < 0 ? -dy : 0;
    case UNARY.missingMask: return 0;
    case UNARY.fillMissing: return Number.isNaN(x) ? 0 : dy;
    default: throw new Error(`unary backward ${op}`);
  }
}

/** which of x, y the backward of each op needs (kernels.h) */
export const BACKWARD_NEEDS = {
  affine: [], missingMask: [], fillMissing: ['x'],
  relu: ['x'], leakyRelu: ['x'], softplus: ['x'], log: ['x'], square: ['x'], abs: ['x'],
  sigmoid: ['y'], tanh: ['y'], exp: ['y'], sqrt: ['y'],
};

// ---- binary ----

export function refBinaryOne(op, a, b) {
  switch (op) {
    case BINARY.add: return a + b;
    case BINARY.sub: return a - b;
    case BINARY.mul: return a * b;
    case BINARY.div: return a / b;
    case BINARY.max: return Math.max(a, b);
    case BINARY.min: return Math.min(a, b);
    default: throw new Error(`binary ${op}`);
  }
}

/** element (r, c) of an operand stored in broadcast mode `mode` */
export function bcastAt(x, mode, r, c, cols) {
  switch (mode) {
    case BCAST.full: return x[r * cols + c];
    case BCAST.row: return x[c];
    case BCAST.col: return x[r];
    case BCAST.scalar: return x[0];
    default: throw new Error(`broadcast ${mode}`);
  }
}

export function bcastLength(mode, rows, cols) {
  return [rows * cols, cols, rows, 1][mode];
}

export function refBinary(op, rows, cols, a, aMode, b, bMode) {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = refBinaryOne(op, bcastAt(a, aMode, r, c, cols), bcastAt(b, bMode, r, c, cols));
  }
  return out;
}

// ---- reductions and softmax ----

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
  if (axis === AXIS.rows) {
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
    switch (op) {
      case REDUCE.sum: out[i] = sum; scale[i] = abs; break;
      case REDUCE.mean: out[i] = sum / lane.length; scale[i] = abs / lane.length; break;
      case REDUCE.max: out[i] = Math.max(...lane); scale[i] = 0; break;
      case REDUCE.logsumexp: out[i] = lse(lane); scale[i] = Math.abs(out[i]) + Math.max(...lane.map(Math.abs)); break;
      default: throw new Error(`reduce ${op}`);
    }
  });
  return { out, scale, len: axis === AXIS.rows ? cols : rows };
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

// ---- losses ----

/** softmax cross-entropy with labels (Float32Array of class numbers) or soft targets */
export function refSoftmaxXent(rows, cols, logits, labels, targets) {
  const loss = new Float64Array(rows);
  const lossScale = new Float64Array(rows);
  const dlogits = new Float64Array(rows * cols);
  const logp = refSoftmax(true, rows, cols, logits);
  for (let r = 0; r < rows; r++) {
    let l = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const t = labels ? (labels[r] === c ? 1 : 0) : targets[r * cols + c];
      l -= t * logp[r * cols + c];
      s += Math.abs(t) * (Math.abs(logp[r * cols + c]) + Math.abs(logits[r * cols + c]));
      dlogits[r * cols + c] = Math.exp(logp[r * cols + c]) - t;
    }
    loss[r] = l;
    lossScale[r] = s;
  }
  return { loss, lossScale, dlogits };
}

/** sigmoid cross-entropy with logits, NaN targets masked */
export function refSigmoidXent(rows, cols, logits, targets) {
  const loss = new Float64Array(rows);
  const lossScale = new Float64Array(rows);
  const dlogits = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let l = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const x = logits[r * cols + c];
      const t = targets[r * cols + c];
      if (Number.isNaN(t)) {
        dlogits[r * cols + c] = 0;
        continue;
      }
      const lp = Math.log1p(Math.exp(-Math.abs(x)));
      l += Math.max(x, 0) - x * t + lp;
      s += Math.max(x, 0) + Math.abs(x * t) + lp;
      dlogits[r * cols + c] = sigmoid(x) - t;
    }
    loss[r] = l;
    lossScale[r] = s;
  }
  return { loss, lossScale, dlogits };
}

export function refGaussianKl(rows, cols, mu, logvar) {
  const loss = new Float64Array(rows);
  const lossScale = new Float64Array(rows);
  const dmu = Float64Array.from(mu);
  const dlogvar = Float64Array.from(logvar, (lv) => 0.5 * Math.expm1(lv));
  for (let r = 0; r < rows; r++) {
    let l = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const m = mu[r * cols + c];
      const lv = logvar[r * cols + c];
      l += 1 + lv - m * m - Math.exp(lv);
      s += 1 + Math.abs(lv) + m * m + Math.exp(lv);
    }
    loss[r] = -0.5 * l;
    lossScale[r] = 0.5 * s;
  }
  return { loss, lossScale, dmu, dlogvar };
}

// ---- batch normalisation ----

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

// ---- optimisers (PyTorch's definitions) ----

/** one Adam/AdamW step in float64 over flat arrays p, g, m, v (modified in place); t counts from 1 */
export function refAdamStep(p, g, m, v, { lr, beta1, beta2, eps, weightDecay, decoupled, step }) {
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (decoupled) p[i] -= lr * weightDecay * p[i];
    else gi += weightDecay * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] -= (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
  }
}

/** one SGD step in float64: g += wd p; v = momentum v + g; p -= lr (nesterov ? g + momentum v : v) */
export function refSgdStep(p, g, vel, { lr, momentum, weightDecay, nesterov }) {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + weightDecay * p[i];
    const vi = momentum * vel[i] + gi;
    vel[i] = vi;
    p[i] -= lr * (nesterov ? gi + momentum * vi : vi);
  }
}

/** one lerp in float64 over flat arrays t (modified in place) and s: t += rate (s - t) */
export function refLerpStep(t, s, rate) {
  for (let i = 0; i < t.length; i++) t[i] += rate * (s[i] - t[i]);
}

// ---- Philox4x32-10 (Random123), 32-bit words as non-negative Numbers ----

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

/** [hi, lo] of the exact 64-bit product of two uint32, by 16-bit halves (every partial product < 2^32) */
export function mulhilo32(a, b) {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
  const hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  return [hi, lo];
}

/** Philox4x32-10 of counter [c0, c1, c2, c3] under key [k0, k1]; returns four uint32 words */
export function philox4x32(ctr, key) {
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo32(PHILOX_M0, c0);
    const [hi1, lo1] = mulhilo32(PHILOX_M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

const TWO32 = 2 ** 32;

/** the four words of counter number `counter` (a Number below 2^53) of the stream keyed by `seed` */
export function philoxBlock(seed, counter) {
  const key = [seed % TWO32, Math.floor(seed / TWO32)];
  return philox4x32([counter % TWO32, Math.floor(counter / TWO32), 0, 0], key);
}

/** the kernels.h uniform stream: element i is (word >> 8) 2^-24 of word i % 4 of counter offset + i / 4 */
export function philoxUniform(seed, offset, n) {
  const out = new Float64Array(n);
  for (let j = 0; j * 4 < n; j++) {
    const w = philoxBlock(seed, offset + j);
    for (let q = 0; q < 4 && 4 * j + q < n; q++) out[4 * j + q] = (w[q] >>> 8) * 2 ** -24;
  }
  return out;
}

/** the kernels.h normal stream: words (0,1) and (2,3) of each counter give two Box-Muller normals each */
export function philoxNormal(seed, offset, n) {
  const out = new Float64Array(n);
  for (let j = 0; j * 4 < n; j++) {
    const w = philoxBlock(seed, offset + j);
    const u = w.map((x) => (x >>> 8) * 2 ** -24);
    const z = [];
    for (const [a, b] of [[0, 1], [2, 3]]) {
      const r = Math.sqrt(-2 * Math.log(1 - u[a]));
      z.push(r * Math.cos(2 * Math.PI * u[b]), r * Math.sin(2 * Math.PI * u[b]));
    }
    for (let q = 0; q < 4 && 4 * j + q < n; q++) out[4 * j + q] = z[q];
  }
  return out;
}

export function meanStd(x) {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / x.length) };
}

// ---- a compact CPU check, run in a child process per ISA (test/kernels/isa.test.js) ----

/**
 * GEMM over every transpose on a few awkward shapes with bias and an epilogue, every unary op, binary
 * ops with broadcasting, reductions, softmax and batch norm (both ways), on the CPU. Returns { isa, checks, failures }.
 */
export function isaCheck(native) {
  const r = rng(4242);
  const io = deviceIO(native, 'cpu');
  const failures = [];
  let checks = 0;
  const note = (message) => {
    checks++;
    if (message) failures.push(message);
  };
  try {
    for (const [m, n, k] of [[1, 1, 1], [7, 33, 129], [129, 7, 33], [33, 129, 300], [300, 33, 7]]) {
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
        for (const [beta, bias, act, actAlpha] of [[0, false, UNARY.affine, 0], [0.5, true, UNARY.leakyRelu, 0.1], [0, true, UNARY.tanh, 0]]) {
          const lda = (ta ? m : k) + 3;
          const ldb = (tb ? k : n) + 1;
          const ldc = n + 2;
          const A = randomArray(r, (ta ? k : m) * lda);
          const B = randomArray(r, (tb ? n : k) * ldb);
          const C = beta === 0 ? new Float32Array(m * ldc).fill(NaN) : randomArray(r, m * ldc);
          const bv = bias ? randomArray(r, n) : null;
          const [as, bs, cs] = [io.input(A), io.input(B), io.input(C)];
          const biasS = bias ? io.input(bv) : null;
          native.gemm(ta, tb, m, n, k, 1.25, as.s, as.off, lda, bs.s, bs.off, ldb, beta, cs.s, cs.off, ldc, biasS?.s ?? null, biasS?.off ?? 0, act, actAlpha);
          const got = io.read(cs, 'C');
          const ref = refGemm(ta, tb, m, n, k, 1.25, A, lda, B, ldb, beta, C, ldc, bv, act, actAlpha);
          const view = new Float32Array(m * n);
          for (let i = 0; i < m; i++) view.set(got.subarray(i * ldc, i * ldc + n), i * n);
          note(compare(view, ref.out, gemmTolerance(ref.scale, k), `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}x${n}x${k} beta=${beta} act=${act}`));
        }
      }
    }
    for (const [name, op] of Object.entries(UNARY)) {
      const [lo, hi] = { log: [1e-3, 10], sqrt: [0, 10], exp: [-20, 20], sigmoid: [-30, 30], softplus: [-30, 30], tanh: [-10, 10] }[name] ?? [-3, 3];
      for (const n of [1, 7, 33, 129, 1000]) {
        const x = randomArray(r, n, lo, hi);
        const [xs, ys] = [io.input(x), io.output(n)];
        native.unary(op, n, xs.s, xs.off, ys.s, ys.off, 0.3, -0.2);
        const ref = refUnary(op, x, 0.3, -0.2);
        const scale = name === 'affine' ? Float64Array.from(x, (v) => 0.3 * Math.abs(v) + 0.2) : ref;
        note(compare(io.read(ys), ref, tolerance(scale, 1e-6, 1e-5), `unary ${name} n=${n}`));
      }
    }
    for (const [name, op] of Object.entries(BINARY)) {
      for (const [rows, cols] of [[7, 33], [129, 129], [1, 1000]]) {
        for (const bMode of [BCAST.full, BCAST.row, BCAST.col, BCAST.scalar]) {
          const a = randomArray(r, rows * cols);
          const b = randomArray(r, bcastLength(bMode, rows, cols), 0.5, 2);
          const [as, bs, out] = [io.input(a), io.input(b), io.output(rows * cols)];
          native.binary(op, rows, cols, as.s, as.off, BCAST.full, bs.s, bs.off, bMode, out.s, out.off);
          const ref = refBinary(op, rows, cols, a, BCAST.full, b, bMode);
          note(compare(io.read(out), ref, tolerance(ref, 1e-30, 2 * U32), `binary ${name} ${rows}x${cols} b mode ${bMode}`));
        }
      }
    }
    for (const [rows, cols] of [[7, 33], [129, 1000], [1000, 7]]) {
      const x = randomArray(r, rows * cols);
      for (const [name, op] of Object.entries(REDUCE)) {
        for (const axis of [AXIS.rows, AXIS.cols]) {
          const [xs, out] = [io.input(x), io.output(axis === AXIS.rows ? rows : cols)];
          native.reduce(op, axis, rows, cols, xs.s, xs.off, out.s, out.off);
          const ref = refReduce(op, axis, rows, cols, x);
          const tol = op === REDUCE.max ? 0 : tolerance(ref.scale, 2e-6, 8 * U32 * Math.sqrt(ref.len) + 2e-6);
          note(compare(io.read(out), ref.out, tol, `reduce ${name} axis ${axis} ${rows}x${cols}`));
        }
      }
      for (const log of [false, true]) {
        const [xs, out] = [io.input(x), io.output(rows * cols)];
        native.softmax(log, rows, cols, xs.s, xs.off, out.s, out.off);
        const ref = refSoftmax(log, rows, cols, x);
        note(compare(io.read(out), ref, softmaxTolerance(log, rows, cols, x, ref), `softmax log=${log} ${rows}x${cols}`));
      }
    }
    for (const [rows, cols] of [[7, 33], [129, 17], [2, 129]]) {
      const x = randomArray(r, rows * cols, -3, 3);
      const [xs, y, mean, invstd, variance] = [io.input(x), io.output(rows * cols), io.output(cols), io.output(cols), io.output(cols)];
      native.batchnormForward(rows, cols, xs.s, xs.off, 1e-5, y.s, y.off, mean.s, mean.off, invstd.s, invstd.off, variance.s, variance.off);
      const ref = refBatchnorm(rows, cols, x, 1e-5);
      const tol = batchnormTolerances(rows, cols, ref);
      for (const [name, t] of [['y', y], ['mean', mean], ['invstd', invstd], ['variance', variance]]) {
        note(compare(io.read(t), ref[name], tol[name], `batchnormForward ${rows}x${cols} ${name}`));
      }
      const dy = randomArray(r, rows * cols);
      const [ys, invs, dys, dx] = [io.input(io.read(y)), io.input(io.read(invstd)), io.input(dy), io.output(rows * cols)];
      native.batchnormBackward(rows, cols, dys.s, dys.off, ys.s, ys.off, invs.s, invs.off, dx.s, dx.off);
      const back = refBatchnormBackward(rows, cols, dy, io.read(ys), io.read(invs));
      note(compare(io.read(dx), back.dx, back.tol, `batchnormBackward ${rows}x${cols}`));
    }
  } catch (e) {
    failures.push(`threw: ${e.message}`);
  } finally {
    io.free();
  }
  return { isa: native.isa(), checks, failures };
}
