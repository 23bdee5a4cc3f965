// Gradient checks of the broadcasting binary ops (add, sub, mul, div, maximum, minimum) with every operand form
// on either side (same shape, row [n] and [1,n], column [m,1], scalar tensor [] and [1,1], 3-D, both operands
// broadcast, plain number), and of neg, scale, addScalar, against float64 references with NumPy broadcasting.
import { suite } from 'uvu';
import * as sg from '../../dist/src/index.js';
import { U, broadcastIndex, devices, gradcheck } from '../gradcheck.js';

const s = suite('ops: elementwise gradients');

/** f applied to each element, as a new Float64Array */
function map(x, f) {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

const OPS = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: Math.max,
  minimum: Math.min,
};

/** [a shape, b shape]: one side broadcast, then the other, then both, on awkward sizes */
const FORMS = [
  [[7, 5], [7, 5]],
  [[7, 5], [5]],
  [[7, 5], [1, 5]],
  [[7, 5], [7, 1]],
  [[7, 5], []],
  [[7, 5], [1, 1]],
  [[5], [7, 5]],
  [[1, 5], [7, 5]],
  [[7, 1], [7, 5]],
  [[], [7, 5]],
  [[1, 1], [7, 5]],
  [[7, 1], [1, 5]],
  [[1, 1], [1, 1]],
  [[33, 129], [129]],
  [[33, 1], [33, 129]],
  [[2, 3, 4], [4]],
  [[2, 3, 1], [2, 3, 4]],
  [[1], [3, 2]],
];

/**
 * Inputs per op. div keeps |b| in [0.5, 2.5). maximum/minimum draw a from the grid k/10 + 0.03 and b from
 * k/10 + 0.08, so every pair differs by at least 0.05: no ties, far from the kink for any step.
 */
function gen(op, which) {
  if (op === 'div' && which === 'b') {
    return (r, n) => Float32Array.from({ length: n }, () => (r.uniform(0, 1) < 0.5 ? -1 : 1) * r.uniform(0.5, 2.5));
  }
  if (op === 'maximum' || op === 'minimum') {
    const offset = which === 'a' ? 0.03 : 0.08;
    return (r, n) => Float32Array.from({ length: n }, () => (r.int(31) - 15) / 10 + offset);
  }
  return undefined;
}

/**
 * Each result element is one float32 operation on exact inputs: within u of it (div may take two roundings).
 * A broadcast operand's gradient sums K = (result size / operand size) float32 terms: 4 u K of the largest.
 */
function tol(op, aShape, bShape, outSize) {
  const size = (sh) => sh.reduce((n, d) => n * d, 1);
  const rtol = (op === 'div' ? 3 : 1) * U + U;
  const grad = (sh) => ({ atol: 1e-30, rtol: 3 * rtol, stol: 4 * U * (outSize / size(sh)) });
  return { fwd: { atol: 1e-30, rtol }, grad: [grad(aShape), grad(bShape)] };
}

for (const device of devices()) {
  for (const [name, f] of Object.entries(OPS)) {
    for (const [aShape, bShape] of FORMS) {
      s(`${name} [${aShape}] with [${bShape}] [${device}]`, () => {
        const { shape, ai, bi } = broadcastIndex(aShape, bShape);
        const outSize = ai.length;
        const { fwd, grad } = tol(name, aShape, bShape, outSize);
        gradcheck({
          name: `${name} [${aShape}] with [${bShape}]`, device, seed: aShape.length * 10 + bShape.length + outSize,
          inputs: [{ name: 'a', shape: aShape, gen: gen(name, 'a') }, { name: 'b', shape: bShape, gen: gen(name, 'b') }],
          op: (a, b) => sg[name](a, b),
          ref: (a, b) => {
            const out = new Float64Array(outSize);
            for (let k = 0; k < outSize; k++) out[k] = f(a[ai[k]], b[bi[k]]);
            return out;
          },
          outShape: shape,
          fwd,
          grad,
        });
      });
    }

    s(`${name} with a plain number, and as a method [${device}]`, () => {
      const c = { add: 0.75, sub: -1.25, mul: -1.5, div: 1.7, maximum: 0.08, minimum: 0.08 }[name];
      for (const shape of [[1, 1], [7, 5], [33, 129]]) {
        for (const method of shape[0] === 7 ? [false, true] : [false]) {
          gradcheck({
            name: `${name}(x, ${c}) [${shape}]${method ? ' method' : ''}`, device,
            inputs: [{ name: 'x', shape, gen: gen(name, 'a') }],
            op: method ? (x) => x[name](c) : (x) => sg[name](x, c),
            ref: (x) => map(x, (v) => f(v, c)),
            outShape: shape,
            // div by a number multiplies by the float32 reciprocal: two roundings
            fwd: { atol: 1e-30, rtol: 3 * U },
            grad: { atol: 1e-30, rtol: 3 * U },
          });
        }
      }
    });
  }

  s(`the same tensor on both sides: add, sub, mul, div of (x, x) [${device}]`, () => {
    // div(x, x): the two gradient terms g/x and -(g/x)(x/x) cancel; what is left is their rounding, |g/x| <= 2
    for (const [name, f, atol] of [['add', (v) => 2 * v, 0], ['sub', () => 0, 0], ['mul', (v) => v * v, 0], ['div', () => 1, 8 * U]]) {
      gradcheck({
        name: `${name}(x, x)`, device, seed: 5,
        inputs: [{ name: 'x', shape: [7, 5], gen: (r, n) => Float32Array.from({ length: n }, () => r.uniform(0.5, 2)) }],
        op: (x) => sg[name](x, x),
        ref: (x) => map(x, f),
        fwd: { atol: 1e-30, rtol: 2 * U },
        grad: { atol: atol + 1e-30, rtol: 4 * U },
      });
    }
  });

  /** [name, op, float64 form, magnitude of its terms]: a chain rounds each step, relative to its terms */
  for (const [name, op, f, mag] of [
    ['neg', (x) => sg.neg(x), (v) => -v, Math.abs],
    ['scale', (x) => sg.scale(x, -2.5), (v) => -2.5 * v, (v) => 2.5 * Math.abs(v)],
    ['scale by 0', (x) => sg.scale(x, 0), () => 0, () => 0],
    ['addScalar', (x) => sg.addScalar(x, 3.25), (v) => v + 3.25, (v) => Math.abs(v) + 3.25],
    ['affine', (x) => sg.affine(x, 0.5, -1), (v) => 0.5 * v - 1, (v) => 0.5 * Math.abs(v) + 1],
    ['x.neg().scale(3).addScalar(-1)', (x) => x.neg().scale(3).addScalar(-1), (v) => -3 * v - 1, (v) => 3 * Math.abs(v) + 1],
  ]) {
    s(`${name} [${device}]`, () => {
      for (const shape of [[], [1, 1], [7, 5], [33, 129], [2, 3, 4]]) {
        gradcheck({
          name: `${name} [${shape}]`, device,
          inputs: [{ name: 'x', shape }],
          op,
          ref: (x) => map(x, f),
          scale: (x) => map(x, mag),
          outShape: shape,
          fwd: { atol: 1e-30, rtol: 3 * U },
          grad: { atol: 1e-30, rtol: 3 * U },
        });
      }
    });
  }
}

s.run();
