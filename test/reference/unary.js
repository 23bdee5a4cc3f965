// Float64 references of the unary ops, one per op of the unary list (kernels/include/semigen/op_lists.h), keyed by
// name: the function, its derivative, and where and how tightly the kernel tests check it. Also the one sigmoid
// and the one softplus every test uses.
import { UNARY_OPS } from '../../dist/src/native.js';
import { U32, tolerance } from './device.js';

/** 1 / (1 + e^-x), with no overflow on either side */
export const sigmoid = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), with no overflow */
export const softplus = (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

const GELU_K = Math.sqrt(2 / Math.PI);
/** GELU, tanh form: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
export const gelu = (x) => 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x ** 3)));
/** its derivative: (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2), t the tanh above */
const geluDerivative = (x) => {
  const t = Math.tanh(GELU_K * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x);
};

const isMissing = Number.isNaN;
const MISSING_EDGES = [NaN, 0, -0, Infinity, -Infinity, NaN, 1e-30];

/**
 * name → the op's reference and its kernel test:
 *   forward(x, alpha, beta)       y = f(x)
 *   backward(x, y, dy, alpha)     dx = dy f'(x), given both x and y = f(x) (the kernel is given the one it reads)
 *   lo, hi, edges                 inputs: `edges` first, then uniform in [lo, hi)
 *   params                        [alpha, beta] pairs (default [[0, 0]] forward, [[0.3, 0]] backward)
 *   atol, rtol                    forward tolerance atol + rtol |scale|, scale = forwardScale(x, alpha, beta) or |y|
 *   backwardDomain                { lo, edges } for the backward inputs where they differ
 *   kink                          the derivative at 0 is a convention: backward inputs avoid 0
 *   backwardTolerance(y, dy, dx)  default 4 u |dx|, the rounding of a product or two
 */
export const UNARY_REFERENCES = {
  affine: {
    forward: (x, alpha, beta) => alpha * x + beta,
    backward: (x, y, dy, alpha) => dy * alpha,
    lo: -3, hi: 3, params: [[1.75, -0.5], [-2, 0], [0, 3], [1, 0], [0.1, 0.7]], atol: 1e-30, rtol: 3 * U32,
    forwardScale: (x, alpha, beta) => Float64Array.from(x, (v) => Math.abs(alpha * v) + Math.abs(beta)),
  },
  relu: {
    forward: (x) => (x > 0 ? x : 0),
    backward: (x, y, dy) => (x > 0 ? dy : 0),
    lo: -3, hi: 3, edges: [0, -0, -1e-30, 1e-30, -1e30, 1e30], atol: 0, rtol: 0, kink: true,
  },
  leakyRelu: {
    forward: (x, alpha) => (x > 0 ? x : alpha * x),
    backward: (x, y, dy, alpha) => (x > 0 ? dy : dy * alpha),
    lo: -3, hi: 3, edges: [0, -1e-3, 1e30, -1e30], params: [[0.01, 0], [0.2, 0], [-0.5, 0]], atol: 1e-30, rtol: 3 * U32,
    kink: true,
  },
  sigmoid: {
    forward: sigmoid,
    backward: (x, y, dy) => dy * y * (1 - y),
    lo: -30, hi: 30, edges: [0, -1000, -100, -88, -20, 20, 88, 100, 1000], atol: 1e-6, rtol: 1e-5,
    // y - y^2 may be formed with cancellation in float32: its rounding is bounded by |dy| (|y| + y^2)
    backwardTolerance: (y, dy) => tolerance(Float64Array.from(y, (v, i) => Math.abs(dy[i]) * (Math.abs(v) + v * v)), 1e-30, 4 * U32),
  },
  tanh: {
    forward: Math.tanh,
    backward: (x, y, dy) => dy * (1 - y * y),
    lo: -10, hi: 10, edges: [0, 1e-4, -1e-4, -1000, -20, 20, 1000], atol: 1e-6, rtol: 1e-5,
    // likewise 1 - y^2, bounded by |dy| (1 + y^2)
    backwardTolerance: (y, dy) => tolerance(Float64Array.from(y, (v, i) => Math.abs(dy[i]) * (1 + v * v)), 1e-30, 4 * U32),
  },
  softplus: {
    forward: softplus,
    backward: (x, y, dy) => dy * sigmoid(x),
    lo: -30, hi: 30, edges: [0, -1000, -100, -20, 20, 88, 100, 1000], atol: 1e-6, rtol: 1e-5,
    backwardTolerance: (y, dy, dx) => tolerance(dx, 1e-6, 1e-5),
  },
  exp: {
    forward: Math.exp,
    backward: (x, y, dy) => dy * y,
    lo: -20, hi: 20, edges: [0, -80, 80, 88, -1000], atol: 1e-30, rtol: 1e-5,
  },
  log: {
    forward: Math.log,
    backward: (x, y, dy) => dy / x,
    lo: 1e-3, hi: 10, edges: [1, 1e-30, 1e30, 0.5, 2], atol: 1e-6, rtol: 1e-5,
  },
  square: {
    forward: (x) => x * x,
    backward: (x, y, dy) => dy * 2 * x,
    lo: -3, hi: 3, edges: [0, 1e-15, 1e18], atol: 0, rtol: U32,
  },
  sqrt: {
    forward: Math.sqrt,
    backward: (x, y, dy) => (dy * 0.5) / y,
    lo: 0, hi: 10, edges: [0, 1, 1e-30, 1e30, 4], atol: 0, rtol: 2 * U32,
    backwardDomain: { lo: 1e-3, edges: [1, 4, 1e-6] },
  },
  abs: {
    forward: Math.abs,
    backward: (x, y, dy) => (x > 0 ? dy : x < 0 ? -dy : 0),
    lo: -3, hi: 3, edges: [0, -0, -1e30, 1e30], atol: 0, rtol: 0, kink: true,
  },
  missingMask: {
    forward: (x) => (isMissing(x) ? 0 : 1),
    backward: () => 0,
    lo: -3, hi: 3, edges: MISSING_EDGES, atol: 0, rtol: 0,
  },
  fillMissing: {
    forward: (x, alpha) => (isMissing(x) ? alpha : x),
    backward: (x, y, dy) => (isMissing(x) ? 0 : dy),
    lo: -3, hi: 3, edges: MISSING_EDGES, params: [[0, 0], [-2.5, 0]], atol: 0, rtol: 0,
  },
  gelu: {
    forward: gelu,
    backward: (x, y, dy) => dy * geluDerivative(x),
    lo: -8, hi: 8, edges: [0, -1000, 1000, -20, 20, -0.75, 1e-30], atol: 1e-6, rtol: 1e-5,
    backwardTolerance: (y, dy, dx) => tolerance(dx, 1e-6, 1e-5),
  },
};

/** the reference of the op of id `op` (a list position), or an Error saying the op has none */
export function unaryReference(op) {
  const name = UNARY_OPS[op]?.name;
  const ref = UNARY_REFERENCES[name];
  if (ref === undefined) throw new Error(`no float64 reference for unary op ${op} (${name}) in test/reference/unary.js`);
  return ref;
}

export function refUnaryOne(op, x, alpha, beta) {
  return unaryReference(op).forward(x, alpha, beta);
}

export function refUnary(op, x, alpha = 0, beta = 0) {
  const { forward } = unaryReference(op);
  return Float64Array.from(x, (v) => forward(v, alpha, beta));
}

/** dx = dy * op'(x) from x and y = op(x) */
export function refUnaryBackwardOne(op, x, y, dy, alpha) {
  return unaryReference(op).backward(x, y, dy, alpha);
}
