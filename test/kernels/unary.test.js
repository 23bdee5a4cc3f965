// Unary elementwise kernels and their backward against float64 references: every op of sg_unary_op on
// awkward sizes and on the edges of its domain (large |x| for the saturating ops), outputs poisoned.
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { AWKWARD, rng } from '../helpers.js';
import {
  BACKWARD_NEEDS, U32, UNARY, check, compare, deviceIO, identical, refUnary, refUnaryBackwardOne, testDevices,
  tolerance,
} from '../reference.js';

const SIZES = [...AWKWARD, 4099];

/** per op: input range, extra edge values, parameter sets, and tolerance (atol, rtol) */
const OPS = {
  affine: { lo: -3, hi: 3, params: [[1.75, -0.5], [-2, 0], [0, 3], [1, 0], [0.1, 0.7]], atol: 1e-30, rtol: 3 * U32 },
  relu: { lo: -3, hi: 3, edges: [0, -0, -1e-30, 1e-30, -1e30, 1e30], atol: 0, rtol: 0 },
  leakyRelu: { lo: -3, hi: 3, edges: [0, -1e-3, 1e30, -1e30], params: [[0.01, 0], [0.2, 0], [-0.5, 0]], atol: 1e-30, rtol: 3 * U32 },
  sigmoid: { lo: -30, hi: 30, edges: [0, -1000, -100, -88, -20, 20, 88, 100, 1000], atol: 1e-6, rtol: 1e-5 },
  tanh: { lo: -10, hi: 10, edges: [0, 1e-4, -1e-4, -1000, -20, 20, 1000], atol: 1e-6, rtol: 1e-5 },
  softplus: { lo: -30, hi: 30, edges: [0, -1000, -100, -20, 20, 88, 100, 1000], atol: 1e-6, rtol: 1e-5 },
  exp: { lo: -20, hi: 20, edges: [0, -80, 80, 88, -1000], atol: 1e-30, rtol: 1e-5 },
  log: { lo: 1e-3, hi: 10, edges: [1, 1e-30, 1e30, 0.5, 2], atol: 1e-6, rtol: 1e-5 },
  square: { lo: -3, hi: 3, edges: [0, 1e-15, 1e18], atol: 0, rtol: U32 },
  sqrt: { lo: 0, hi: 10, edges: [0, 1, 1e-30, 1e30, 4], atol: 0, rtol: 2 * U32 },
  abs: { lo: -3, hi: 3, edges: [0, -0, -1e30, 1e30], atol: 0, rtol: 0 },
  missingMask: { lo: -3, hi: 3, edges: [NaN, 0, -0, Infinity, -Infinity, NaN, 1e-30], atol: 0, rtol: 0 },
  fillMissing: { lo: -3, hi: 3, edges: [NaN, 0, -0, Infinity, -Infinity, NaN, 1e-30], params: [[0, 0], [-2.5, 0]], atol: 0, rtol: 0 },
};

/** n float32 inputs: the op's edge values first, then uniform in its range */
function inputs(r, spec, n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = spec.edges ?? [];
    x[i] = i < e.length && n >= 7 ? e[i] : r.uniform(spec.lo, spec.hi);
  }
  return x;
}

/**
 * The magnitude of the terms of each dx: tanh's 1 - y^2 and sigmoid's y - y^2 may be formed with
 * cancellation in float32, so their rounding is bounded by |dy| (1 + y^2) and |dy| (|y| + y^2).
 */
function backwardScale(name, y, dy, expected) {
  if (name === 'tanh') return Float64Array.from(y, (v, i) => Math.abs(dy[i]) * (1 + v * v));
  if (name === 'sigmoid') return Float64Array.from(y, (v, i) => Math.abs(dy[i]) * (Math.abs(v) + v * v));
  return expected;
}

const s = suite('kernels: unary');

for (const device of testDevices(native)) {
  for (const [name, spec] of Object.entries(OPS)) {
    const op = UNARY[name];
    s(`unary ${name}: sizes ${SIZES.join(', ')} and domain edges [${device}]`, () => {
      const r = rng(100 + op);
      const io = deviceIO(native, device);
      try {
        for (const [alpha, beta] of spec.params ?? [[0, 0]]) {
          for (const n of SIZES) {
            const x = inputs(r, spec, n);
            const xs = io.input(x);
            const ys = io.output(n);
            native.unary(op, n, xs.s, xs.off, ys.s, ys.off, alpha, beta);
            const expected = refUnary(op, x, alpha, beta);
            const scale = name === 'affine' ? Float64Array.from(x, (v) => Math.abs(alpha * v) + Math.abs(beta)) : expected;
            check(compare(io.read(ys, 'y'), expected, tolerance(scale, spec.atol, spec.rtol), `unary ${name} n=${n} alpha=${alpha} beta=${beta}: y`));
            check(identical(io.read(xs, 'x'), x, `unary ${name}: input x changed`));
          }
        }
      } finally {
        io.free();
      }
    });

    s(`unaryBackward ${name}: given ${BACKWARD_NEEDS[name].join(' and ') || 'neither x nor y'} [${device}]`, () => {
      const r = rng(200 + op);
      const io = deviceIO(native, device);
      try {
        const bspec = name === 'sqrt' ? { ...spec, lo: 1e-3, edges: [1, 4, 1e-6] } : spec;
        for (const [alpha, beta] of spec.params ?? [[0.3, 0]]) {
          for (const n of SIZES) {
            // the subgradient at 0 of relu, leaky relu and abs is a convention: keep x off 0
            const x = inputs(r, bspec, n).map((v) => (v === 0 && ['relu', 'leakyRelu', 'abs'].includes(name) ? 0.5 : v));
            // y = op(x) in float32, as the forward kernel would have returned it
            const y = Float32Array.from(refUnary(op, x, alpha, beta));
            const dy = Float32Array.from({ length: n }, () => r.uniform(-2, 2));
            const needs = BACKWARD_NEEDS[name];
            for (const both of [false, true]) {
              const xs = both || needs.includes('x') ? io.input(x) : null;
              const ys = both || needs.includes('y') ? io.input(y) : null;
              const dys = io.input(dy);
              const dxs = io.output(n);
              native.unaryBackward(op, n, xs?.s ?? null, xs?.off ?? 0, ys?.s ?? null, ys?.off ?? 0, dys.s, dys.off, dxs.s, dxs.off, alpha);
              const expected = Float64Array.from(x, (xi, i) => refUnaryBackwardOne(op, xi, y[i], dy[i], alpha));
              const tol = name === 'softplus' ? tolerance(expected, 1e-6, 1e-5) : tolerance(backwardScale(name, y, dy, expected), 1e-30, 4 * U32);
              check(compare(io.read(dxs, 'dx'), expected, tol, `unaryBackward ${name} n=${n} alpha=${alpha} with ${both ? 'x and y' : needs.join(',') || 'neither'}: dx`));
            }
          }
        }
      } finally {
        io.free();
      }
    });
  }
}

s.run();
