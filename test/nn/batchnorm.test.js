// BatchNorm1d: running statistics after two batches against a hand computation (PyTorch's convention: momentum 0.1,
// unbiased batch variance in the running average), eval mode normalising with the running statistics, gradients of
// x, gamma and beta against a float64 reference (central differences for x), the buffers in stateDict, flat memory
// over many steps, and bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { assertClose, assertThrows, randomArray, rng } from '../helpers.js';

const U = 2 ** -24;
const s = suite('nn: BatchNorm1d');

/** per-column mean, biased and unbiased variance of x [rows, cols] in float64 */
function stats64(x, rows, cols) {
  const mean = new Float64Array(cols);
  const biased = new Float64Array(cols);
  const unbiased = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m += x[r * cols + c];
    m /= rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (x[r * cols + c] - m) ** 2;
    mean[c] = m;
    biased[c] = q / rows;
    unbiased[c] = q / (rows - 1);
  }
  return { mean, biased, unbiased };
}

/** gamma (x - mean) / sqrt(variance + eps) + beta with the given statistics, float64 */
function affineNorm64(x, cols, mean, variance, gamma, beta, eps) {
  const e = Math.fround(eps);
  return Float64Array.from(x, (v, i) => {
    const c = i % cols;
    return gamma[c] * (v - mean[c]) / Math.sqrt(variance[c] + e) + beta[c];
  });
}

/** the training-mode forward in float64 */
function train64(x, rows, cols, gamma, beta, eps) {
  const st = stats64(x, rows, cols);
  return affineNorm64(x, cols, st.mean, st.biased, gamma, beta, eps);
}

const entry = (data) => ({ shape: [data.length], data: Float32Array.from(data) });

s('running statistics after two batches match the hand computation (momentum 0.1 and 0.3)', () => {
  const r = rng(71);
  for (const momentum of [undefined, 0.3]) {
    const m = momentum ?? 0.1;
    const cols = 3;
    const bn = new sg.BatchNorm1d(cols, momentum === undefined ? {} : { momentum });
    const batches = [[5, randomArray(r, 5 * cols, -2, 3)], [8, randomArray(r, 8 * cols, 1, 4)]];
    let rm = [0, 0, 0];
    let rv = [1, 1, 1];
    for (const [rows, x] of batches) {
      sg.tidy(() => bn.forward(sg.tensor(x, [rows, cols])));
      const st = stats64(x, rows, cols);
      rm = rm.map((v, c) => (1 - m) * v + m * st.mean[c]);
      rv = rv.map((v, c) => (1 - m) * v + m * st.unbiased[c]);
    }
    // a handful of float32 roundings per update, on values of magnitude <= 4
    assertClose(bn.runningMean.toArray(), rm, { atol: 16 * U * 4, rtol: 0, what: `runningMean (momentum ${m})` });
    assertClose(bn.runningVar.toArray(), rv, { atol: 16 * U * 4, rtol: 0, what: `runningVar (momentum ${m})` });
    bn.dispose();
  }
});

s('eval mode normalises with the running statistics and leaves them unchanged', () => {
  const r = rng(72);
  const rows = 6;
  const cols = 4;
  const bn = new sg.BatchNorm1d(cols, { eps: 1e-3 });
  const gamma = [0.5, -1.5, 2, 1];
  const beta = [0.1, 0, -0.7, 3];
  const runningMean = [0.3, -1, 2, 0];
  const runningVar = [0.5, 2, 0.01, 1];
  bn.loadStateDict({ gamma: entry(gamma), beta: entry(beta), runningMean: entry(runningMean), runningVar: entry(runningVar) });
  bn.eval();
  const x = randomArray(r, rows * cols, -2, 2);
  const y = sg.tidy(() => bn.forward(sg.tensor(x, [rows, cols])).toArray());
  const expected = affineNorm64(x, cols, runningMean, runningVar, gamma, beta, 1e-3);
  assertClose(y, expected, { atol: 1e-6, rtol: 16 * U, what: 'eval output' });
  assertClose(bn.runningMean.toArray(), runningMean, { atol: 0, rtol: U, what: 'runningMean after eval' });
  assertClose(bn.runningVar.toArray(), runningVar, { atol: 0, rtol: U, what: 'runningVar after eval' });
  // back in training mode the batch's own statistics normalise
  bn.train();
  const yt = sg.tidy(() => bn.forward(sg.tensor(x, [rows, cols])).toArray());
  assertClose(yt, train64(x, rows, cols, gamma, beta, 1e-3), { atol: 1e-6, rtol: 16 * U, what: 'training output' });
  bn.dispose();
});

s('gradients of x, gamma and beta in training mode against a float64 reference', () => {
  const r = rng(73);
  const rows = 6;
  const cols = 4;
  const eps = 1e-5;
  const gamma = [0.5, -1.5, 2, 1];
  const beta = [0.1, 0, -0.7, 3];
  const x = randomArray(r, rows * cols, -2, 2);
  const W = randomArray(r, rows * cols, -1, 1);
  const bn = new sg.BatchNorm1d(cols, { eps });
  bn.loadStateDict({ gamma: entry(gamma), beta: entry(beta), runningMean: entry([0, 0, 0, 0]), runningVar: entry([1, 1, 1, 1]) });
  let dx;
  sg.tidy(() => {
    const xt = sg.tensor(x, [rows, cols], { requiresGrad: true });
    sg.sum(sg.mul(bn.forward(xt), sg.tensor(W, [rows, cols]))).backward();
    dx = xt.grad.toArray();
  });
  // L = sum W (gamma y + beta): dL/dgamma = sum_r W y, dL/dbeta = sum_r W
  const y = train64(x, rows, cols, [1, 1, 1, 1], [0, 0, 0, 0], eps);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  for (let i = 0; i < rows * cols; i++) {
    dgamma[i % cols] += W[i] * y[i];
    dbeta[i % cols] += W[i];
  }
  assertClose(bn.gamma.grad.toArray(), dgamma, { atol: 1e-6, rtol: 1e-5, what: 'dgamma' });
  assertClose(bn.beta.grad.toArray(), dbeta, { atol: 1e-6, rtol: 1e-5, what: 'dbeta' });
  // dL/dx by central differences of the float64 forward
  const x64 = Float64Array.from(x);
  const loss = () => train64(x64, rows, cols, gamma, beta, eps).reduce((a, v, i) => a + W[i] * v, 0);
  const h = 1e-5;
  const fd = Float64Array.from(x64, (v, i) => {
    x64[i] = v + h;
    const up = loss();
    x64[i] = v - h;
    const down = loss();
    x64[i] = v;
    return (up - down) / (2 * h);
  });
  assertClose(dx, fd, { atol: 1e-5, rtol: 1e-4, what: 'dx' });
  bn.dispose();
});

s('stateDict holds the parameters and the running buffers; loading it reproduces the eval output', () => {
  const r = rng(74);
  const a = new sg.BatchNorm1d(3);
  assert.equal(Object.keys(a.stateDict()), ['gamma', 'beta', 'runningMean', 'runningVar']);
  assert.equal(Object.keys(new sg.BatchNorm1d(3, { affine: false }).stateDict()), ['runningMean', 'runningVar']);
  assert.equal(Object.keys(new sg.BatchNorm1d(3, { affine: false, shiftOnly: true }).stateDict()), ['beta', 'runningMean', 'runningVar']);
  assert.equal(a.parameters().length, 2, 'the running statistics are buffers, not parameters');
  const x = randomArray(r, 10 * 3, -1, 2);
  sg.tidy(() => a.forward(sg.tensor(x, [10, 3])));
  const state = a.stateDict();
  assert.equal(Array.from(state.runningMean.data), Array.from(a.runningMean.toArray()));
  assert.ok(state.runningMean.data.some((v) => v !== 0), 'the running mean moved');
  const b = new sg.BatchNorm1d(3);
  b.loadStateDict(state);
  a.eval();
  b.eval();
  const probe = randomArray(r, 4 * 3);
  const ya = sg.tidy(() => a.forward(sg.tensor(probe, [4, 3])).toArray());
  const yb = sg.tidy(() => b.forward(sg.tensor(probe, [4, 3])).toArray());
  assert.equal(Array.from(yb), Array.from(ya));
  a.dispose();
  b.dispose();
});

s('training steps inside tidy() hold the live tensor count flat', () => {
  const r = rng(75);
  const bn = new sg.BatchNorm1d(5);
  const x = randomArray(r, 16 * 5);
  const step = () => sg.tidy(() => {
    const xt = sg.tensor(x, [16, 5], { requiresGrad: true });
    sg.sum(sg.square(bn.forward(xt))).backward();
  });
  step();
  const live = sg.liveTensors();
  for (let i = 0; i < 20; i++) step();
  assert.is(sg.liveTensors(), live);
  bn.dispose();
});

s('bad inputs throw naming the problem; Node survives', () => {
  assertThrows(() => new sg.BatchNorm1d(0), /BatchNorm1d/, /features/);
  assertThrows(() => new sg.BatchNorm1d(2.5), /BatchNorm1d/, /features/);
  for (const eps of [0, -1e-5, NaN]) assertThrows(() => new sg.BatchNorm1d(3, { eps }), /BatchNorm1d/, /eps/);
  for (const momentum of [0, 1.5, NaN]) assertThrows(() => new sg.BatchNorm1d(3, { momentum }), /BatchNorm1d/, /momentum/);
  const bn = new sg.BatchNorm1d(3);
  sg.tidy(() => {
    for (const mode of ['train', 'eval']) {
      bn[mode]();
      assertThrows(() => bn.forward(sg.ones([12])), /BatchNorm1d/, /\[rows, 3\]/, /\[12\]/);
      assertThrows(() => bn.forward(sg.ones([2, 3, 1])), /BatchNorm1d/, /\[2,3,1\]/);
      assertThrows(() => bn.forward(sg.ones([4, 5])), /BatchNorm1d/, /\[4,5\]/);
      const gone = sg.ones([4, 3]);
      gone.dispose();
      assertThrows(() => bn.forward(gone), /disposed/);
    }
    bn.train();
    const before = bn.runningMean.toArray();
    assertThrows(() => bn.forward(sg.zeros([0, 3])), /rows >= 1/);
    assert.equal(Array.from(bn.runningMean.toArray()), Array.from(before), 'a refused batch leaves the statistics alone');
    assert.equal(bn.forward(sg.tensor([1, 2, 3, 3, 2, 1], [2, 3])).shape.slice(), [2, 3], 'still works');
  });
  bn.dispose();
});

s.run();
