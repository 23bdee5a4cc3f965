// The ops models use for their state and their missing values: fill_, assign_, upload_, lerp_ (in place, outside
// the graph) and missingMask, fillMissing, each against a float64 reference written here, on awkward shapes and on
// every device; fillMissing's gradient by finite differences; and lerp_ giving the very bits the SGD-kernel
// moveToward it replaces gives.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { Binary, Broadcast } from '../../dist/src/native.js';
import { addon, binaryRaw } from '../../dist/src/ops/raw.js';
import { assertThrows, rng } from '../helpers.js';
import { U, devices, gradcheck, uniform } from '../gradcheck.js';

const s = suite('ops: in-place state and missing values');

/** What the moving averages did before lerp_: targets −= rate · (targets − sources), the differences first, then the
 *  SGD kernel as an axpy; lerp_ must give the very same bits. */
function moveToward(targets, sources, rate) {
  const differences = targets.map((t, i) => binaryRaw(Binary.sub, 1, t.size, t, Broadcast.full, sources[i], Broadcast.full, t.shape));
  const triple = (t) => [t.storage, t.offset, t.size];
  addon().sgd(targets.map(triple), differences.map(triple), null, rate, 0, 0, false);
  sg.dispose(differences);
}

const SHAPES = [[1], [7], [3, 5], [33, 129], [2, 3, 4], []];
const sizeOf = (shape) => shape.reduce((n, d) => n * d, 1);

/** values with NaN, ±0 and ±Infinity among uniform ones */
function withMissing(r, n) {
  const specials = [NaN, 0, -0, Infinity, -Infinity, NaN, 1e-30, -1e30];
  return Float32Array.from({ length: n }, (_, i) => (i < specials.length && n >= 7 ? specials[i] : r.uniform(0, 1) < 0.3 ? NaN : r.uniform(-3, 3)));
}

/** a float64 reference of the engine's missingMask: 1 for a number, 0 for NaN */
const missingMask64 = (x) => Float64Array.from(x, (v) => (Number.isNaN(v) ? 0 : 1));
/** a float64 reference of fillMissing */
const fillMissing64 = (x, value) => Float64Array.from(x, (v) => (Number.isNaN(v) ? value : v));

/** the same values bit for bit (NaN matching NaN, -0 not matching 0) */
function assertSame(actual, expected, what) {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], Math.fround(expected[i]))) assert.unreachable(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

for (const device of devices()) {
  s(`fill_ sets every element and returns its target [${device}]`, () => {
    for (const shape of SHAPES) {
      for (const value of [0, -0, 2.5, -1e30, NaN, Infinity]) {
        const t = sg.tensor(uniform(rng(sizeOf(shape)), sizeOf(shape)), shape, { device });
        assert.is(sg.fill_(t, value), t);
        assertSame(t.toArray(), new Float64Array(sizeOf(shape)).fill(value), `fill_ [${shape}] with ${value}`);
        t.dispose();
      }
    }
  });

  s(`assign_ copies a source into its target exactly [${device}]`, () => {
    const r = rng(2);
    for (const shape of SHAPES) {
      const data = withMissing(r, sizeOf(shape));
      const source = sg.tensor(data, shape, { device });
      const target = sg.zeros(shape, { device });
      assert.is(sg.assign_(target, source), target);
      assertSame(target.toArray(), Float64Array.from(data), `assign_ [${shape}]`);
      assertSame(source.toArray(), Float64Array.from(data), `assign_ [${shape}] leaves the source`);
      sg.dispose([source, target]);
    }
  });

  s(`upload_ sets a tensor from a host Float32Array [${device}]`, () => {
    const r = rng(3);
    for (const shape of SHAPES) {
      const data = withMissing(r, sizeOf(shape));
      const t = sg.zeros(shape, { device });
      assert.is(sg.upload_(t, data), t);
      assertSame(t.toArray(), Float64Array.from(data), `upload_ [${shape}]`);
      t.dispose();
    }
  });

  s(`missingMask is 1 where x is a number and 0 where it is NaN, with no gradient [${device}]`, () => {
    const r = rng(4);
    for (const shape of SHAPES) {
      const data = withMissing(r, sizeOf(shape));
      const x = sg.tensor(data, shape, { device, requiresGrad: true });
      const m = sg.missingMask(x);
      assert.equal(m.shape.slice(), shape);
      assertSame(m.toArray(), missingMask64(data), `missingMask [${shape}]`);
      assert.is(m.requiresGrad, false, 'a mask is a constant');
      sg.dispose([x, m]);
    }
  });

  s(`fillMissing replaces NaN by the value and keeps every number, -0 and infinities included [${device}]`, () => {
    const r = rng(5);
    for (const shape of SHAPES) {
      const data = withMissing(r, sizeOf(shape));
      for (const value of [0, -1.5, 7]) {
        const x = sg.tensor(data, shape, { device });
        const y = sg.fillMissing(x, value);
        assertSame(y.toArray(), fillMissing64(data, value), `fillMissing [${shape}] value ${value}`);
        sg.dispose([x, y]);
      }
    }
  });

  s(`fillMissing gradient: dy where x is a number, 0 where it is missing [${device}]`, () => {
    for (const shape of [[1, 1], [7, 5], [33, 129], [2, 3, 4]]) {
      gradcheck({
        name: `fillMissing [${shape}]`, device, seed: sizeOf(shape),
        inputs: [{ name: 'x', shape, gen: (r, n) => Float32Array.from({ length: n }, () => (r.uniform(0, 1) < 0.3 ? NaN : r.uniform(-2, 2))) }],
        op: (x) => sg.fillMissing(x, 0.5),
        ref: (x) => fillMissing64(x, 0.5),
        outShape: shape,
        fwd: { atol: 0 },
        grad: { atol: 0, rtol: 2 * U },
      });
    }
  });

  s(`lerp_ moves every target toward its source in one call: t + rate (s - t) [${device}]`, () => {
    const r = rng(6);
    for (const rate of [0.01, 0.5, 1, 0]) {
      const shapes = [[1], [7, 5], [33, 129], [0], [4099]];
      const ts = shapes.map((shape) => uniform(r, sizeOf(shape), -2, 2));
      const ss = shapes.map((shape) => uniform(r, sizeOf(shape), -2, 2));
      const targets = shapes.map((shape, i) => sg.tensor(ts[i], shape, { device }));
      const sources = shapes.map((shape, i) => sg.tensor(ss[i], shape, { device }));
      sg.lerp_(targets, sources, rate);
      const f = Math.fround(rate);
      targets.forEach((t, i) => {
        const got = t.toArray();
        for (let j = 0; j < got.length; j++) {
          const expected = ts[i][j] + f * (ss[i][j] - ts[i][j]);
          // t - rate (t - s) in float32: the difference, the product and the step each round once
          const tol = 2 * U * (Math.abs(ts[i][j]) + Math.abs(f) * (Math.abs(ts[i][j]) + Math.abs(ss[i][j])));
          if (!(Math.abs(got[j] - expected) <= tol)) {
            assert.unreachable(`lerp_ rate ${rate} tensor ${i} [${j}] = ${got[j]}, expected ${expected} (tolerance ${tol})`);
          }
        }
        assertSame(sources[i].toArray(), Float64Array.from(ss[i]), `lerp_ leaves sources[${i}]`);
      });
      sg.dispose([...targets, ...sources]);
    }
  });

  s(`lerp_ gives the bits moveToward (differences, then the SGD kernel) gives [${device}]`, () => {
    const r = rng(7);
    const shapes = [[64, 32], [32], [7], [1000]];
    for (const rate of [0.001, 0.1, 1 - 0.999]) {
      const ts = shapes.map((shape) => uniform(r, sizeOf(shape), -3, 3));
      const ss = shapes.map((shape) => uniform(r, sizeOf(shape), -3, 3));
      const a = shapes.map((shape, i) => sg.tensor(ts[i], shape, { device }));
      const b = shapes.map((shape, i) => sg.tensor(ts[i], shape, { device }));
      const sources = shapes.map((shape, i) => sg.tensor(ss[i], shape, { device }));
      sg.lerp_(a, sources, rate);
      moveToward(b, sources, rate);
      a.forEach((t, i) => assertSame(t.toArray(), b[i].toArray(), `lerp_ against moveToward, rate ${rate}, tensor ${i}`));
      sg.dispose([...a, ...b, ...sources]);
    }
  });
}

s('bad calls are Errors naming the op and what is wrong', () => {
  const t = sg.zeros([2, 3]);
  const u = sg.zeros([3, 2]);
  assertThrows(() => sg.fill_(t, '1'), /fill_: value must be a number/);
  assertThrows(() => sg.assign_(t, u), /assign_: target \[2,3\] and source \[3,2\] differ in shape/);
  assertThrows(() => sg.upload_(t, new Float32Array(5)), /upload_: data has 5 values but the target \[2,3\] holds 6/);
  assertThrows(() => sg.upload_(t, [1, 2, 3, 4, 5, 6]), /upload_: data must be a Float32Array/);
  assertThrows(() => sg.lerp_([t], [u], 0.1), /lerp_: targets\[0\] \[2,3\] and sources\[0\] \[3,2\] differ in shape/);
  assertThrows(() => sg.lerp_([t], [], 0.1), /lerp_: targets and sources must be arrays of equal length/);
  assertThrows(() => sg.lerp_([t], [t], NaN), /lerp_: rate must be a finite number/);
  assertThrows(() => sg.fillMissing(t, 'x'), /fillMissing: value must be a number/);
  // a graph node's value is what backward reads: writing into it is refused
  const w = sg.zeros([2, 3], { requiresGrad: true });
  const y = sg.relu(w);
  assertThrows(() => sg.fill_(y, 1), /fill_: the target \[2,3\] is the output of relu in an autograd graph/);
  assertThrows(() => sg.lerp_([y], [t], 0.5), /lerp_: the targets\[0\] \[2,3\] is the output of relu/);
  // a leaf, even one that requires gradients, may be written (as an optimiser or an initialiser does)
  sg.fill_(w, 0.25);
  assert.equal(Array.from(w.toArray()), [0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
  t.dispose();
  assertThrows(() => sg.fill_(t, 1), /fill_: target .*disposed/);
  sg.dispose([u, w, y]);
});

s.run();
