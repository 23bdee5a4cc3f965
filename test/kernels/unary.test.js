// Unary elementwise kernels and their backward against float64 references: every op of the unary list (the addon's
// own, from op_lists.h) on awkward sizes and on the edges of its domain (large |x| for the saturating ops, NaN for
// the missing-value ops), outputs poisoned. An op with no reference in test/reference/unary.js fails here.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { UNARY_OPS } from '../../dist/src/native.js';
import { AWKWARD, rng } from '../helpers.js';
import { U32, check, compare, deviceIO, identical, testDevices, tolerance } from '../reference/device.js';
import { UNARY_REFERENCES, refUnary, refUnaryBackwardOne } from '../reference/unary.js';

const SIZES = [...AWKWARD, 4099];

/** n float32 inputs: the op's edge values first, then uniform in its range */
function inputs(r, spec, n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = spec.edges ?? [];
    x[i] = i < e.length && n >= 7 ? e[i] : r.uniform(spec.lo, spec.hi);
  }
  return x;
}

const s = suite('kernels: unary');

for (const device of testDevices(native)) {
  // every op of the list, each checked against its reference in test/reference/unary.js
  for (const { name, id: op, backward: reads } of UNARY_OPS) {
    const spec = UNARY_REFERENCES[name];
    if (spec === undefined) {
      s(`unary ${name}: has a float64 reference [${device}]`, () => assert.unreachable(`add ${name} to test/reference/unary.js`));
      continue;
    }
    const needs = reads === 'none' ? [] : [reads];
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
            const scale = spec.forwardScale?.(x, alpha, beta) ?? expected;
            check(compare(io.read(ys, 'y'), expected, tolerance(scale, spec.atol, spec.rtol), `unary ${name} n=${n} alpha=${alpha} beta=${beta}: y`));
            check(identical(io.read(xs, 'x'), x, `unary ${name}: input x changed`));
          }
        }
      } finally {
        io.free();
      }
    });

    s(`unaryBackward ${name}: given ${needs.join(' and ') || 'neither x nor y'} [${device}]`, () => {
      const r = rng(200 + op);
      const io = deviceIO(native, device);
      try {
        const bspec = { ...spec, ...spec.backwardDomain };
        for (const [alpha, beta] of spec.params ?? [[0.3, 0]]) {
          for (const n of SIZES) {
            // the derivative at a kink (relu, leaky relu and abs at 0) is a convention: keep x off it
            const x = inputs(r, bspec, n).map((v) => (v === 0 && spec.kink ? 0.5 : v));
            // y = op(x) in float32, as the forward kernel would have returned it
            const y = Float32Array.from(refUnary(op, x, alpha, beta));
            const dy = Float32Array.from({ length: n }, () => r.uniform(-2, 2));
            for (const both of [false, true]) {
              const xs = both || needs.includes('x') ? io.input(x) : null;
              const ys = both || needs.includes('y') ? io.input(y) : null;
              const dys = io.input(dy);
              const dxs = io.output(n);
              native.unaryBackward(op, n, xs?.s ?? null, xs?.off ?? 0, ys?.s ?? null, ys?.off ?? 0, dys.s, dys.off, dxs.s, dxs.off, alpha);
              const expected = Float64Array.from(x, (xi, i) => refUnaryBackwardOne(op, xi, y[i], dy[i], alpha));
              const tol = spec.backwardTolerance?.(y, dy, expected) ?? tolerance(expected, 1e-30, 4 * U32);
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
