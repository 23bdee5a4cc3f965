// Gradient checks of the reductions sum, mean, max and logsumexp over all elements and over each axis (with and
// without keepDims), and of softmax and logSoftmax along the last axis, on 1x1, 1xn, 7x5, 33x129 and 3-D shapes.
import { suite } from 'uvu';
import * as sg from '../../dist/src/index.js';
import { U, devices, distinct, gradcheck, logSoftmax64, uniform } from '../gradcheck.js';

const s = suite('ops: reduction and softmax gradients');

/** float64 reductions of a lane of values: the result and the magnitude of its terms */
const REDUCE = {
  sum: (v) => [v.reduce((a, b) => a + b, 0), v.reduce((a, b) => a + Math.abs(b), 0)],
  mean: (v) => [v.reduce((a, b) => a + b, 0) / v.length, v.reduce((a, b) => a + Math.abs(b), 0) / v.length],
  max: (v) => [Math.max(...v), 0],
  logsumexp: (v) => {
    const m = Math.max(...v);
    const l = m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
    return [l, Math.abs(l) + Math.max(...v.map(Math.abs))];
  },
};

/**
 * The lanes a reduction runs over, for a shape viewed as rows x cols: every element (axis undefined), each row
 * (the last axis) or each column (axis 0 of a 2-D tensor). Returns the element indices of each lane.
 */
function lanes(shape, axis) {
  const n = shape.reduce((a, d) => a * d, 1);
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const rows = n / cols;
  if (axis === undefined) return [Array.from({ length: n }, (_, i) => i)];
  const last = axis === -1 || axis === shape.length - 1;
  if (last) return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => r * cols + c));
  return Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, r) => r * cols + c));
}

function outShapeOf(shape, axis, keepDims) {
  if (axis === undefined) return keepDims ? shape.map(() => 1) : [];
  const a = axis < 0 ? shape.length + axis : axis;
  return keepDims ? shape.map((d, i) => (i === a ? 1 : d)) : shape.filter((_, i) => i !== a);
}

/** [shape, axis] pairs: everything, the last axis (as -1 and as rank - 1), and axis 0 of 2-D tensors */
const CASES = [
  [[1, 1], undefined], [[1, 1], -1], [[1, 1], 0],
  [[7, 5], undefined], [[7, 5], -1], [[7, 5], 1], [[7, 5], 0],
  [[1, 9], -1], [[1, 9], 0], [[9, 1], 0], [[9, 1], -1],
  [[33, 129], undefined], [[33, 129], -1], [[33, 129], 0],
  [[2, 3, 4], undefined], [[2, 3, 4], -1], [[2, 3, 4], 2],
  [[6], undefined], [[6], -1], [[6], 0],
];

/**
 * Summation of K float32 terms: within 2 u sqrt(K) + 2 u of their magnitude sum (the kernel tests use
 * 8 u sqrt(K) + 2e-6 with an absolute floor). max is exact; logsumexp's exp/log add the transcendental 1e-5.
 * Gradients: sum/mean/max broadcast W exactly (mean scales it by 1/K); logsumexp's exp(x - lse) is transcendental.
 */
function tolerances(op, K) {
  switch (op) {
    case 'sum': return [{ atol: 1e-30, rtol: 8 * U * Math.sqrt(K) + 2 * U }, { atol: 1e-30, rtol: 2 * U }];
    case 'mean': return [{ atol: 1e-30, rtol: 8 * U * Math.sqrt(K) + 4 * U }, { atol: 1e-30, rtol: 4 * U }];
    case 'max': return [{ atol: 0 }, { atol: 0 }];
    default: return [{ atol: 1e-6, rtol: 1e-5 + 8 * U * Math.sqrt(K) }, { atol: 1e-7, rtol: 1e-5 }];
  }
}

for (const device of devices()) {
  for (const op of Object.keys(REDUCE)) {
    s(`${op} over all elements and each axis, with and without keepDims [${device}]`, () => {
      for (const [shape, axis] of CASES) {
        for (const keepDims of [false, true]) {
          const ls = lanes(shape, axis);
          const [fwd, grad] = tolerances(op, ls[0].length);
          const n = shape.reduce((a, d) => a * d, 1);
          gradcheck({
            name: `${op} [${shape}] axis ${axis} keepDims ${keepDims}`, device, seed: n + (axis ?? 9),
            // max: distinct values 1e-3 apart, so a step of 1e-5 never changes the arg-max
            inputs: [{ name: 'x', shape, gen: op === 'max' ? (r, m) => distinct(r, m) : (r, m) => uniform(r, m, -3, 3) }],
            op: (x) => (keepDims ? sg[op](x, axis, true) : axis === undefined ? sg[op](x) : x[op](axis)),
            ref: (x) => {
              const out = new Float64Array(ls.length);
              const scale = new Float64Array(ls.length);
              ls.forEach((lane, i) => {
                [out[i], scale[i]] = REDUCE[op](lane.map((j) => x[j]));
              });
              return { out, scale };
            },
            outShape: outShapeOf(shape, axis, keepDims),
            step: op === 'max' ? 1e-5 : 1e-4,
            fwd,
            grad,
          });
        }
      }
    });
  }

  s(`max sends the gradient to the arg-max of each lane (explicit values) [${device}]`, () => {
    sg.tidy(() => {
      const x = sg.tensor([[1, 5, 2], [7, -1, 3]], undefined, { device, requiresGrad: true });
      sg.max(x, -1).sum().backward();
      const rowGrad = Array.from(x.grad.toArray());
      x.grad.dispose();
      sg.max(x, 0).sum().backward();
      const colGrad = Array.from(x.grad.toArray());
      x.grad.dispose();
      sg.max(x).backward();
      const allGrad = Array.from(x.grad.toArray());
      if (JSON.stringify([rowGrad, colGrad, allGrad]) !== JSON.stringify([[0, 1, 0, 1, 0, 0], [0, 1, 0, 1, 0, 1], [0, 0, 0, 1, 0, 0]])) {
        throw new Error(`max gradients ${JSON.stringify([rowGrad, colGrad, allGrad])}`);
      }
    });
  });

  // ---- softmax and logSoftmax ----
  const SOFTMAX_SHAPES = [[1, 1], [1, 7], [7], [7, 5], [33, 129], [2, 3, 4]];
  for (const log of [false, true]) {
    const name = log ? 'logSoftmax' : 'softmax';
    s(`${name} along the last axis [${device}]`, () => {
      for (const shape of SOFTMAX_SHAPES) {
        const cols = shape[shape.length - 1];
        const rows = shape.reduce((a, d) => a * d, 1) / cols;
        for (const axis of [undefined, -1, shape.length - 1]) {
          gradcheck({
            name: `${name} [${shape}] axis ${axis}`, device, seed: rows * cols,
            inputs: [{ name: 'x', shape, lo: -4, hi: 4 }],
            op: (x) => (axis === undefined ? sg[name](x) : x[name](axis)),
            ref: (x) => {
              const lp = logSoftmax64(x, rows, cols);
              return log ? lp : lp.map(Math.exp);
            },
            outShape: shape,
            // log-softmax: x - max - log(sum): a few u of |x - max| + log(cols) on top of exp/log's 1e-5;
            // softmax: 1e-5 relative to each probability. Gradients: products and a row sum of those.
            fwd: log ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-7, rtol: 1e-5 },
            grad: { atol: 1e-7, rtol: 1e-5, stol: 8 * U * Math.sqrt(cols) },
          });
        }
      }
    });
  }
}

s.run();
