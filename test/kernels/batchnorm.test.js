// Batch-norm kernels against float64 references: the forward's y, mean, invstd and (optional) variance on awkward
// sizes, including one-row batches (y = 0), constant columns and columns far from zero (which only a two-pass
// variance gets right), and the backward from given y and invstd, including gradients that nearly cancel. Outputs
// are poisoned with NaN and framed by guards; bad calls throw naming the op and Node stays alive.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { assertThrows, rng } from '../helpers.js';
import { batchnormTolerances, refBatchnorm, refBatchnormBackward } from '../reference/batchnorm.js';
import { check, compare, deviceIO, testDevices } from '../reference/device.js';

const ROWS = [1, 2, 7, 129];
const COLS = [1, 7, 33, 129];

/** columns of three kinds: uniform in [-3, 3), constant, and 1000 + small noise (variance ~3e-5) */
function columnsOfKinds(r, rows, cols) {
  const x = new Float32Array(rows * cols);
  const base = Array.from({ length: cols }, () => r.uniform(-3, 3));
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) {
      const kind = c % 5;
      x[i * cols + c] = kind === 3 ? 1000 + r.uniform(-0.01, 0.01) : kind === 4 ? base[c] : r.uniform(-3, 3);
    }
  }
  return x;
}

/** runs batchnormForward with NaN-poisoned outputs and returns what it wrote */
function forward(io, rows, cols, x, eps, withVariance) {
  const [xs, y, mean, invstd] = [io.input(x), io.output(rows * cols), io.output(cols), io.output(cols)];
  const variance = withVariance ? io.output(cols) : null;
  native.batchnormForward(rows, cols, xs.s, xs.off, eps, y.s, y.off, mean.s, mean.off, invstd.s, invstd.off,
    variance?.s ?? null, variance?.off ?? 0);
  return {
    y: io.read(y, 'y'), mean: io.read(mean, 'mean'), invstd: io.read(invstd, 'invstd'),
    variance: variance ? io.read(variance, 'variance') : null,
  };
}

function backward(io, rows, cols, dy, y, invstd) {
  const [dys, ys, invs, dx] = [io.input(dy), io.input(y), io.input(invstd), io.output(rows * cols)];
  native.batchnormBackward(rows, cols, dys.s, dys.off, ys.s, ys.off, invs.s, invs.off, dx.s, dx.off);
  return io.read(dx, 'dx');
}

/** forward and backward of one shape against the references */
function checkShape(io, r, rows, cols, eps, withVariance) {
  const what = `${rows}x${cols} eps=${eps}`;
  const x = columnsOfKinds(r, rows, cols);
  const got = forward(io, rows, cols, x, eps, withVariance);
  const ref = refBatchnorm(rows, cols, x, eps);
  const tol = batchnormTolerances(rows, cols, ref);
  for (const name of ['y', 'mean', 'invstd', ...(withVariance ? ['variance'] : [])]) {
    check(compare(got[name], ref[name], tol[name], `batchnormForward ${what}: ${name}`));
  }
  if (rows === 1) assert.ok(got.y.every((v) => v === 0), `${what}: one row normalises to 0`);
  // random dy, then dy affine in y: the exact gradient is then ~0, so the kernel's result is all cancellation
  const affine = Float32Array.from(got.y, (v, i) => 0.7 - 0.3 * (i % 3) + 0.3 * v);
  for (const [kind, dy] of [['random', Float32Array.from({ length: rows * cols }, () => r.uniform(-1, 1))], ['affine in y', affine]]) {
    const dx = backward(io, rows, cols, dy, got.y, got.invstd);
    const back = refBatchnormBackward(rows, cols, dy, got.y, got.invstd);
    check(compare(dx, back.dx, back.tol, `batchnormBackward ${what} (${kind} dy): dx`));
  }
}

const s = suite('kernels: batch norm');

for (const device of testDevices(native)) {
  s(`batchnormForward / batchnormBackward on awkward sizes, variance optional [${device}]`, () => {
    const r = rng(900);
    const io = deviceIO(native, device);
    try {
      for (const rows of ROWS) {
        for (const cols of COLS) checkShape(io, r, rows, cols, 1e-5, (rows + cols) % 2 === 0);
      }
      checkShape(io, r, 7, 33, 0.5, true);
    } finally {
      io.free();
    }
  });

  s(`batch norm on larger shapes, the same with 1 and 2 threads [${device}]`, () => {
    const r = rng(901);
    const io = deviceIO(native, device);
    const original = native.threads();
    try {
      for (const [rows, cols] of [[129, 1000], [1000, 17], [100, 1000]]) {
        checkShape(io, r, rows, cols, 1e-5, true);
        if (device !== 'cpu') continue;
        const x = columnsOfKinds(r, rows, cols);
        const dy = Float32Array.from({ length: rows * cols }, () => r.uniform(-1, 1));
        const runs = [1, 2].map((threads) => {
          native.setThreads(threads);
          const f = forward(io, rows, cols, x, 1e-5, true);
          return { ...f, dx: backward(io, rows, cols, dy, f.y, f.invstd) };
        });
        for (const name of ['y', 'mean', 'invstd', 'variance', 'dx']) {
          check(compare(runs[1][name], runs[0][name], 0, `${rows}x${cols} ${name}: 2 threads vs 1`));
        }
      }
    } finally {
      native.setThreads(original);
      io.free();
    }
  });
}

s('bad batch-norm calls throw naming the op and the problem; Node survives', () => {
  const io = deviceIO(native, 'cpu');
  try {
    const x = io.input(new Float32Array(12));
    const [y, mean, invstd] = [io.output(12), io.output(3), io.output(3)];
    const fwd = (rows, cols, eps, xs = x, m = mean) => () => native.batchnormForward(rows, cols, xs.s, xs.off, eps, y.s,
      y.off, m.s, m.off, invstd.s, invstd.off, null, 0);
    assertThrows(fwd(0, 3, 1e-5), /batchnormForward/, /rows must be >= 1/);
    for (const eps of [0, -1e-5, NaN, Infinity, 1e-50]) assertThrows(fwd(4, 3, eps), /batchnormForward/, /eps/);
    assertThrows(fwd(10, 3, 1e-5), /batchnormForward/, /\bx\b/); // x's storage holds 18 floats, not 3 + 30
    assertThrows(fwd(4, 3, 1e-5, x, io.output(2, 0)), /batchnormForward/, /mean/);
    assertThrows(() => native.batchnormForward(4, 3, x.s, x.off, '1e-5', y.s, y.off, mean.s, mean.off, invstd.s,
      invstd.off, null, 0), /batchnormForward/, /eps/);
    const dx = io.output(12);
    assertThrows(() => native.batchnormBackward(0, 3, x.s, x.off, y.s, y.off, invstd.s, invstd.off, dx.s, dx.off),
      /batchnormBackward/, /rows must be >= 1/);
    assertThrows(() => native.batchnormBackward(4, 3, x.s, x.off, y.s, y.off, io.output(2, 0).s, 0, dx.s, dx.off),
      /batchnormBackward/, /invstd/);
    const freed = io.input(new Float32Array(12));
    native.free(freed.s);
    assertThrows(fwd(4, 3, 1e-5, freed), /batchnormForward/);
    // Node and the addon still work: an empty call is fine and a real one computes
    native.batchnormForward(0, 0, x.s, x.off, 1e-5, y.s, y.off, mean.s, mean.off, invstd.s, invstd.off, null, 0);
    const xs = io.input(Float32Array.from([1, 2, 3, 5]));
    const [y2, m2, i2] = [io.output(4), io.output(1), io.output(1)];
    native.batchnormForward(4, 1, xs.s, xs.off, 1e-5, y2.s, y2.off, m2.s, m2.off, i2.s, i2.off, null, 0);
    assert.is(io.read(m2)[0], 2.75);
  } finally {
    io.free();
  }
});

s.run();
