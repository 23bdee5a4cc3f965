// Gradient checks of batch normalisation: batchNormalize (the full gradient through the batch mean and variance,
// against central differences of a float64 batch norm written here), its detached statistics, normalizeWith
// (gradient to x only; the statistics are constants), and bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { assertThrows } from '../helpers.js';
import { U, devices, gradcheck } from '../gradcheck.js';

const s = suite('ops: batch norm');

/** float64 batch norm of x [rows, cols] down each column, with the engine's float32 eps */
function batchNorm64(x, rows, cols, eps) {
  const e = Math.fround(eps);
  const y = new Float64Array(rows * cols);
  const mean = new Float64Array(cols);
  const variance = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m += x[r * cols + c];
    m /= rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * cols + c] - m) ** 2;
    v /= rows;
    for (let r = 0; r < rows; r++) y[r * cols + c] = (x[r * cols + c] - m) / Math.sqrt(v + e);
    mean[c] = m;
    variance[c] = v;
  }
  return { y, mean, variance };
}

/** every column's standard deviation is at least `least`: keeps 1 / sqrt(var + eps) moderate for the differences */
const spread = (rows, cols, least) => ([x]) => {
  if (rows === 1) return true;
  const { variance } = batchNorm64(x, rows, cols, 0);
  return variance.every((v) => Math.sqrt(v) >= least);
};

const SHAPES = [[1, 1], [1, 5], [2, 3], [7, 5], [33, 129], [129, 7]];
// y is good to a few float32 roundings; dx = invstd (g - mean(g) - y mean(g y)) carries the rounding of y and invstd
// times the magnitude of its terms (|g| <= 1 from W, |y| ~ 1, invstd <= 10 by the spread condition), so 1e-5
// relative with a floor for entries that nearly cancel
const fwdTol = { atol: 1e-6, rtol: 4 * U };
const gradTol = { atol: 2e-7, rtol: 1e-5 };

for (const device of devices()) {
  s(`batchNormalize: y and the gradient through the batch statistics [${device}]`, () => {
    for (const [rows, cols] of SHAPES) {
      for (const eps of [1e-5, 0.3]) {
        gradcheck({
          name: `batchNormalize [${rows},${cols}] eps=${eps}`, device, seed: rows * 31 + cols,
          inputs: [{ name: 'x', shape: [rows, cols], lo: -2, hi: 2 }],
          accept: spread(rows, cols, 0.1),
          op: (x) => sg.batchNormalize(x, eps).y,
          ref: (x) => batchNorm64(x, rows, cols, eps).y,
          outShape: [rows, cols],
          fwd: fwdTol,
          grad: gradTol,
          cap: 300,
        });
      }
    }
  });

  s(`batchNormalize: mean and biased variance come back detached, [cols] [${device}]`, () => {
    const rows = 7;
    const cols = 5;
    const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.3) * 2 + (i % cols));
    const ref = batchNorm64(data, rows, cols, 1e-5);
    sg.tidy(() => {
      const x = sg.tensor(data, [rows, cols], { device, requiresGrad: true });
      const { mean, variance } = sg.batchNormalize(x);
      for (const [name, t] of [['mean', mean], ['variance', variance]]) {
        assert.equal(t.shape.slice(), [cols], `${name} shape`);
        assert.is(t.requiresGrad, false, `${name} is detached`);
        t.toArray().forEach((v, c) => {
          assert.ok(Math.abs(v - ref[name][c]) <= 2 * U * Math.abs(ref[name][c]) + 1e-12, `${name}[${c}] = ${v}, expected ${ref[name][c]}`);
        });
      }
    });
  });

  s(`normalizeWith: gradient to x only, the statistics are constants [${device}]`, () => {
    for (const [rows, cols] of [[1, 1], [7, 5], [33, 129]]) {
      gradcheck({
        name: `normalizeWith [${rows},${cols}]`, device, seed: rows + 7 * cols,
        inputs: [
          { name: 'x', shape: [rows, cols], lo: -2, hi: 2 },
          { name: 'mean', shape: [cols], grad: false },
          { name: 'variance', shape: [cols], lo: 0.05, hi: 3, grad: false },
        ],
        op: (x, m, v) => sg.normalizeWith(x, m, v, 1e-3),
        ref: (x, m, v) => Float64Array.from(x, (xv, i) => (xv - m[i % cols]) / Math.sqrt(v[i % cols] + Math.fround(1e-3))),
        outShape: [rows, cols],
        fwd: { atol: 1e-6, rtol: 8 * U },
        grad: [{ atol: 1e-6, rtol: 8 * U }, null, null],
      });
    }
    // statistics that require gradients still get none: they are detached
    sg.tidy(() => {
      const x = sg.tensor([1, 2, 3, 4, 5, 7], [3, 2], { device, requiresGrad: true });
      const m = sg.tensor([0.5, 1], [2], { device, requiresGrad: true });
      const v = sg.tensor([2, 3], [2], { device, requiresGrad: true });
      sg.sum(sg.normalizeWith(x, m, v)).backward();
      assert.ok(x.grad !== null);
      assert.is(m.grad, null);
      assert.is(v.grad, null);
    });
  });
}

s('bad inputs throw naming the op and what is wrong', () => {
  sg.tidy(() => {
    const x = sg.ones([4, 3]);
    assertThrows(() => sg.batchNormalize(sg.ones([12])), /batchNormalize/, /\[rows, cols\]/, /\[12\]/);
    assertThrows(() => sg.batchNormalize(sg.ones([2, 3, 2])), /batchNormalize/, /\[2,3,2\]/);
    assertThrows(() => sg.batchNormalize(sg.zeros([0, 3])), /batchNormalize/, /rows >= 1/);
    for (const eps of [0, -1, NaN, Infinity, 1e-50, '1e-5']) {
      assertThrows(() => sg.batchNormalize(x, eps), /batchNormalize/, /eps/);
      assertThrows(() => sg.normalizeWith(x, sg.zeros([3]), sg.ones([3]), eps), /normalizeWith/, /eps/);
    }
    const gone = sg.ones([4, 3]);
    gone.dispose();
    assertThrows(() => sg.batchNormalize(gone), /batchNormalize/, /disposed/);
    assertThrows(() => sg.batchNormalize([[1, 2]]), /batchNormalize/, /Tensor/);
    assertThrows(() => sg.normalizeWith(x, sg.zeros([4]), sg.ones([3])), /normalizeWith/, /mean \[4\]/, /3 values/);
    assertThrows(() => sg.normalizeWith(x, sg.zeros([3]), sg.ones([2])), /normalizeWith/, /variance \[2\]/);
    const goneStat = sg.ones([3]);
    goneStat.dispose();
    assertThrows(() => sg.normalizeWith(x, goneStat, sg.ones([3])), /normalizeWith/, /disposed/);
    // still alive and computing
    const { y } = sg.batchNormalize(sg.tensor([1, 3], [2, 1]));
    assert.equal(Array.from(y.toArray()), [-Math.fround(1 / Math.sqrt(1 + Math.fround(1e-5))), Math.fround(1 / Math.sqrt(1 + Math.fround(1e-5)))]);
  });
});

s.run();
