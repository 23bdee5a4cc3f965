// The models' shared parts against float64 references written here: each likelihood's negative log-likelihood and
// its gradients (missing entries and masks left out), the decoder's mean, the Gaussian encoder, the moving average
// of weights, withFrozen, and the option schema (defaults, errors, no weights built for a default config).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { BernoulliLikelihood, CategoricalLikelihood, GaussianLikelihood, MixedLikelihood, createLikelihood, familySums, familyMetricNames,
  LEARNED_VARIANCE_FLOOR,
  outputAsData, checkOutputSpec } from '../../dist/src/models/parts/likelihood.js';
import { LikelihoodDecoder } from '../../dist/src/models/parts/decoder.js';
import { GaussianEncoder } from '../../dist/src/models/parts/encoder.js';
import { startAverage, updateAverage } from '../../dist/src/nn/average.js';
import { withFrozen } from '../../dist/src/nn/frozen.js';
import { choice, int, numbers, readConfig, sizes } from '../../dist/src/models/options.js';
import { defaultConfig } from '../../dist/src/models/registry.js';
import { gradcheck, uniform } from '../gradcheck.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { softplus as softplus64 } from '../reference/unary.js';

const s = suite('models: parts');
const ROWS = 5;
const COLS = 7;
const FWD = { atol: 1e-5, rtol: 1e-5 };
const GRAD = { atol: 1e-5, rtol: 1e-4 };

/** 0/1 entries, about a quarter 0; never a whole row of 0 */
function mask01(r, n, cols = COLS) {
  const m = Float32Array.from({ length: n }, () => (r.uniform(0, 1) < 0.25 ? 0 : 1));
  for (let i = 0; i < n; i += cols) m[i] = 1;
  return m;
}

/** x with NaN at a few entries */
function withMissing(x, every = 6) {
  const y = Float32Array.from(x);
  for (let i = 3; i < y.length; i += every) y[i] = NaN;
  return y;
}


/** Σ_j term(i, j) per row over the observed entries: x not NaN and mask (of [rows·cols] or [cols]) not 0 */
function observedSums(x, mask, rows, cols, term) {
  return Float64Array.from({ length: rows }, (_, r) => {
    let t = 0;
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      const m = mask === null ? 1 : mask.length === cols ? mask[j] : mask[i];
      if (!Number.isNaN(x[i]) && m !== 0) t += term(i, j);
    }
    return t;
  });
}

/** the Bernoulli NLL softplus(l) − x·l per row */
function bernoulliNll64(l, x, mask, rows, cols) {
  return observedSums(x, mask, rows, cols, (i) => softplus64(l[i]) - x[i] * l[i]);
}

for (const maskShape of [null, [ROWS, COLS], [1, COLS]]) {
  s(`Bernoulli NLL and its gradient match float64 (NaN targets, mask ${maskShape ? `[${maskShape}]` : 'none'})`, () => {
    const r = rng(11);
    const x = withMissing(uniform(r, ROWS * COLS, 0, 1));
    const mask = maskShape === null ? null : mask01(r, maskShape[0] * maskShape[1]);
    const like = new BernoulliLikelihood();
    gradcheck({
      name: 'bernoulli nll', seed: 3,
      inputs: [{ name: 'logits', shape: [ROWS, COLS], lo: -4, hi: 4 }],
      op: (l) => like.nll({ out: l, top: l }, sg.tensor(x, [ROWS, COLS]), mask === null ? null : sg.tensor(mask, maskShape)),
      ref: (l) => bernoulliNll64(l, x, mask, ROWS, COLS),
      outShape: [ROWS], fwd: FWD, grad: GRAD,
    });
  });
}

/** A learned log-variance as the likelihood uses it: log(floor + e^lv), kept above the floor. */
const FLOOR = 0.0025;
const floored = (lv) => Math.log(FLOOR + Math.exp(lv));

/** ½ Σ_j [log 2π + lv_j + (x_j − mean_j)² e^(−lv_j)] per row; lv of [rows·cols] or [cols] */
function gaussianNll64(mean, lv, x, mask, rows, cols) {
  return observedSums(x, mask, rows, cols, (i, j) => {
    const v = lv.length === cols ? lv[j] : lv[i];
    return 0.5 * (Math.log(2 * Math.PI) + v + (x[i] - mean[i]) ** 2 * Math.exp(-v));
  });
}

for (const maskShape of [null, [1, COLS]]) {
  s(`Gaussian NLL with a learned variance per feature matches float64 in mean and log-variance (mask ${maskShape ? 'given' : 'none'})`, () => {
    const r = rng(12);
    const x = withMissing(uniform(r, ROWS * COLS, -3, 3));
    const mask = maskShape === null ? null : mask01(r, COLS);
    const like = new GaussianLikelihood(COLS, 4, 'learned', new sg.Generator(1), 'cpu');
    assert.equal(like.namedParameters().map(([n, t]) => [n, t.shape]), [['logvar', [1, COLS]]]);
    gradcheck({
      name: 'gaussian nll (learned)', seed: 4,
      inputs: [{ name: 'mean', shape: [ROWS, COLS], lo: -2, hi: 2 }, { name: 'logvar', shape: [1, COLS], lo: -1, hi: 1 }],
      op: (mean, logvar) => {
        like.logvar = logvar; // the parameter's place, to differentiate through it
        return like.nll({ out: mean, top: mean }, sg.tensor(x, [ROWS, COLS]), mask === null ? null : sg.tensor(mask, maskShape));
      },
      ref: (mean, lv) => gaussianNll64(mean, Array.from(lv, floored), x, mask, ROWS, COLS),
      outShape: [ROWS], fwd: FWD, grad: GRAD,
    });
  });
}

s('a learned variance stays above its floor: a log-variance driven to -30 costs what the floor does', () => {
  assert.is(LEARNED_VARIANCE_FLOOR, FLOOR);
  const like = new GaussianLikelihood(2, 1, 'learned', new sg.Generator(1), 'cpu');
  like.logvar = sg.tensor([-30, 2], [1, 2]);
  const x = sg.tensor([40, 1], [1, 2]); // an outlier 40 standard deviations out in the first column
  const got = sg.tidy(() => like.nll({ out: sg.tensor([0, 0], [1, 2]) }, x).item());
  const want = 0.5 * (Math.log(2 * Math.PI) + Math.log(FLOOR) + 1600 / FLOOR) + 0.5 * (Math.log(2 * Math.PI) + floored(2) + Math.exp(-floored(2)));
  assertClose([got], [want], { atol: 0, rtol: 1e-5 });
});

s('Gaussian NLL with a variance predicted per row from the last hidden layer matches float64', () => {
  const r = rng(13);
  const top = 4;
  const like = new GaussianLikelihood(COLS, top, 'predicted', new sg.Generator(2), 'cpu');
  const W = like.logvar.weight.toArray();
  const b = like.logvar.bias.toArray();
  // the head's own gradients would outlive the check's tidy(); its weights are constants here
  for (const t of like.parameters()) t.requiresGrad = false;
  const x = withMissing(uniform(r, ROWS * COLS, -2, 2));
  const lvOf = (h) => Float64Array.from({ length: ROWS * COLS }, (_, i) => {
    const row = Math.floor(i / COLS);
    const j = i % COLS;
    let v = b[j];
    for (let k = 0; k < top; k++) v += h[row * top + k] * W[k * COLS + j];
    return v;
  });
  gradcheck({
    name: 'gaussian nll (predicted)', seed: 5,
    inputs: [{ name: 'mean', shape: [ROWS, COLS], lo: -2, hi: 2 }, { name: 'top', shape: [ROWS, top], lo: -0.5, hi: 0.5 }],
    op: (mean, h) => like.nll({ out: mean, top: h }, sg.tensor(x, [ROWS, COLS])),
    ref: (mean, h) => gaussianNll64(mean, lvOf(h), x, null, ROWS, COLS),
    outShape: [ROWS], fwd: FWD, grad: GRAD,
  });
});

const GROUPS = [[0, 3], [3, 5], [5, 7]];

/** −Σ_groups Σ_j x_j log softmax(l_group)_j per row, over observed entries */
function categoricalNll64(l, x, mask, rows) {
  return Float64Array.from({ length: rows }, (_, r) => {
    let t = 0;
    for (const [a, e] of GROUPS) {
      let max = -Infinity;
      for (let j = a; j < e; j++) max = Math.max(max, l[r * COLS + j]);
      let z = 0;
      for (let j = a; j < e; j++) z += Math.exp(l[r * COLS + j] - max);
      for (let j = a; j < e; j++) {
        const i = r * COLS + j;
        if (Number.isNaN(x[i]) || (mask !== null && mask[i] === 0)) continue;
        t -= x[i] * (l[i] - max - Math.log(z));
      }
    }
    return t;
  });
}

/** one-hot rows per group; row 2's middle group missing (NaN) */
function oneHots(r) {
  const x = new Float32Array(ROWS * COLS);
  for (let row = 0; row < ROWS; row++) for (const [a, e] of GROUPS) x[row * COLS + a + r.int(e - a)] = 1;
  for (let j = 3; j < 5; j++) x[2 * COLS + j] = NaN;
  return x;
}

for (const masked of [false, true]) {
  s(`categorical NLL over groups and its gradient match float64 (a missing group${masked ? ', a mask' : ''})`, () => {
    const r = rng(14);
    const x = oneHots(r);
    const mask = masked ? mask01(r, ROWS * COLS) : null;
    const like = new CategoricalLikelihood(COLS, GROUPS);
    gradcheck({
      name: 'categorical nll', seed: 6,
      inputs: [{ name: 'logits', shape: [ROWS, COLS], lo: -3, hi: 3 }],
      op: (l) => like.nll({ out: l, top: l }, sg.tensor(x, [ROWS, COLS]), mask === null ? null : sg.tensor(mask, [ROWS, COLS])),
      ref: (l) => categoricalNll64(l, x, mask, ROWS),
      outShape: [ROWS], fwd: FWD, grad: GRAD,
    });
  });
}

s('categorical mean is a softmax per group; bad groups and unknown likelihoods are Errors', () => {
  const r = rng(15);
  const l = uniform(r, ROWS * COLS, -3, 3);
  const like = new CategoricalLikelihood(COLS, GROUPS);
  const mean = sg.tidy(() => like.mean({ out: sg.tensor(l, [ROWS, COLS]) }).toArray());
  const expected = [];
  for (let row = 0; row < ROWS; row++) {
    for (const [a, e] of GROUPS) {
      const v = Array.from(l.subarray(row * COLS + a, row * COLS + e));
      const z = v.reduce((acc, q) => acc + Math.exp(q), 0);
      expected.push(...v.map((q) => Math.exp(q) / z));
    }
  }
  assertClose(mean, expected, { atol: 1e-6, rtol: 1e-5 });
  assertThrows(() => new CategoricalLikelihood(COLS, [[0, 3], [4, 7]]), /consecutive \[start, end\) column ranges/);
  assertThrows(() => new CategoricalLikelihood(COLS, [[0, 3], [3, 5]]), /groups cover 5 columns of 7/);
  assertThrows(() => createLikelihood({ kind: 'poisson' }, COLS, 4, new sg.Generator(0), 'cpu'), /unknown likelihood "poisson"/);
});

// a table's columns: two numbers, a binary column, a 3-way and a 2-way category, one more number
const FAMILIES = [
  { kind: 'gaussian', start: 0, end: 2 }, { kind: 'bernoulli', start: 2, end: 3 }, { kind: 'categorical', start: 3, end: 6 },
  { kind: 'categorical', start: 6, end: 8 }, { kind: 'gaussian', start: 8, end: 9 },
];

s('a mixed likelihood is the sum of its families\' NLLs (NaN entries and a mask left out), in value and gradient', () => {
  const r = rng(18);
  const W = 9;
  const like = new MixedLikelihood(W, FAMILIES, new sg.Generator(7), 'cpu');
  assert.equal(like.spans, [[0, 2], [2, 3], [3, 8], [8, 9]], 'the two categorical groups share one part');
  const logvars = like.namedParameters().map(([n, t]) => {
    sg.init.uniform(t, -0.5, 0.5, new sg.Generator(8));
    t.requiresGrad = false; // constants here: their gradients would outlive the check
    return [n, t.toArray()];
  });
  assert.equal(logvars.map(([n]) => n), ['parts.0.logvar', 'parts.3.logvar']);
  const lv = new Float64Array(W);
  lv.set(logvars[0][1].map(floored), 0);
  lv.set(logvars[1][1].map(floored), 8);
  const x = new Float32Array(ROWS * W);
  for (let row = 0; row < ROWS; row++) {
    const o = row * W;
    x[o] = r.uniform(-2, 2); x[o + 1] = r.uniform(-2, 2); x[o + 2] = r.int(2);
    x[o + 3 + r.int(3)] = 1; x[o + 6 + r.int(2)] = 1; x[o + 8] = r.uniform(-2, 2);
  }
  x[1] = NaN;
  for (let j = 3; j < 6; j++) x[2 * W + j] = NaN; // row 2's first category missing
  const mask = mask01(r, W, W);
  const reference = (out) => Float64Array.from({ length: ROWS }, (_, row) => {
    let t = 0;
    const m = (j) => mask[j] !== 0 && !Number.isNaN(x[row * W + j]);
    for (const j of [0, 1, 8]) if (m(j)) t += 0.5 * (Math.log(2 * Math.PI) + lv[j] + (x[row * W + j] - out[row * W + j]) ** 2 * Math.exp(-lv[j]));
    if (m(2)) t += softplus64(out[row * W + 2]) - x[row * W + 2] * out[row * W + 2];
    for (const [a, e] of [[3, 6], [6, 8]]) {
      const l = Array.from({ length: e - a }, (_, k) => out[row * W + a + k]);
      const max = Math.max(...l);
      const lse = max + Math.log(l.reduce((acc, v) => acc + Math.exp(v - max), 0));
      for (let k = 0; k < e - a; k++) if (m(a + k)) t -= x[row * W + a + k] * (l[k] - lse);
    }
    return t;
  });
  gradcheck({
    name: 'mixed nll', seed: 9,
    inputs: [{ name: 'out', shape: [ROWS, W], lo: -2, hi: 2 }],
    op: (out) => like.nll({ out, top: out }, sg.tensor(x, [ROWS, W]), sg.tensor(mask, [1, W])),
    ref: reference, outShape: [ROWS], fwd: FWD, grad: GRAD,
  });
  const out = uniform(r, ROWS * W, -2, 2);
  const mean = sg.tidy(() => like.mean({ out: sg.tensor(out, [ROWS, W]) }).toArray());
  const sig = (v) => 1 / (1 + Math.exp(-v));
  for (let row = 0; row < ROWS; row++) {
    const o = row * W;
    const soft = (a, e) => { const z = Array.from(out.subarray(o + a, o + e), Math.exp); const n = z.reduce((p, q) => p + q, 0); return z.map((v) => v / n); };
    assertClose(Array.from(mean.subarray(o, o + W)), [out[o], out[o + 1], sig(out[o + 2]), ...soft(3, 6), ...soft(6, 8), out[o + 8]], { atol: 1e-6, rtol: 1e-5 });
  }
  assertThrows(() => new MixedLikelihood(W, [{ kind: 'gaussian', start: 0, end: 4 }], new sg.Generator(0), 'cpu'), /the families cover 4 columns of 9/);
  assertThrows(() => new MixedLikelihood(3, [{ kind: 'categorical', start: 0, end: 1 }, { kind: 'poisson', start: 1, end: 3 }], new sg.Generator(0), 'cpu'),
    /families must be consecutive column ranges/);
  like.dispose();
});

s("a mixed likelihood's NLL per column family matches float64 and adds up to the NLL; a generator's output as data", () => {
  const r = rng(31);
  const W = 9;
  const like = new MixedLikelihood(W, FAMILIES, new sg.Generator(7), 'cpu');
  const lv = new Float64Array(W);
  for (const [, t] of like.namedParameters()) sg.init.uniform(t, -0.5, 0.5, new sg.Generator(8));
  lv.set(like.parts[0].logvar.toArray().map(floored), 0);
  lv.set(like.parts[3].logvar.toArray().map(floored), 8);
  const x = new Float32Array(ROWS * W);
  for (let row = 0; row < ROWS; row++) {
    const o = row * W;
    x[o] = r.uniform(-2, 2); x[o + 1] = r.uniform(-2, 2); x[o + 2] = r.int(2);
    x[o + 3 + r.int(3)] = 1; x[o + 6 + r.int(2)] = 1; x[o + 8] = r.uniform(-2, 2);
  }
  x[W + 2] = NaN; // row 1's binary cell missing
  const out = uniform(r, ROWS * W, -2, 2);
  const want = { reconstruction_gaussian: 0, reconstruction_bernoulli: 0, reconstruction_categorical: 0 };
  for (let row = 0; row < ROWS; row++) {
    const v = (j) => x[row * W + j];
    const o = (j) => out[row * W + j];
    for (const j of [0, 1, 8]) want.reconstruction_gaussian += 0.5 * (Math.log(2 * Math.PI) + lv[j] + (v(j) - o(j)) ** 2 * Math.exp(-lv[j]));
    if (!Number.isNaN(v(2))) want.reconstruction_bernoulli += softplus64(o(2)) - v(2) * o(2);
    for (const [a, e] of [[3, 6], [6, 8]]) {
      const lse = Math.log(Array.from({ length: e - a }, (_, k) => Math.exp(o(a + k))).reduce((p, q) => p + q, 0));
      for (let k = a; k < e; k++) want.reconstruction_categorical -= v(k) * (o(k) - lse);
    }
  }
  const [got, total, asData, mean] = sg.tidy(() => {
    const o = { out: sg.tensor(out, [ROWS, W]), top: sg.tensor(out, [ROWS, W]) };
    const xt = sg.tensor(x, [ROWS, W]);
    return [familySums(like, o, xt), sg.sum(like.nll(o, xt)).item(), outputAsData({ kind: 'mixed', families: FAMILIES }, o.out).toArray(),
      like.mean(o).toArray()];
  });
  assert.equal(Object.keys(got).sort(), Object.keys(want).sort());
  for (const k of Object.keys(want)) assertClose([got[k]], [want[k]], { atol: 1e-4, rtol: 1e-5, what: k });
  assertClose([Object.values(got).reduce((a, b) => a + b, 0)], [total], { atol: 1e-4, rtol: 1e-6, what: 'families add up' });
  assert.equal(familyMetricNames({ kind: 'mixed', families: FAMILIES }).sort(), Object.keys(want).sort());
  assert.equal(familyMetricNames({ kind: 'bernoulli' }), []);
  assert.equal(sg.tidy(() => familySums(new BernoulliLikelihood(), { out: sg.tensor(out, [ROWS, W]) }, sg.tensor(x, [ROWS, W]))), {});
  // a GAN's generator ends in the likelihood's mean map: identity, sigmoid, a softmax per group
  assertClose(Array.from(asData), Array.from(mean), { atol: 1e-7, rtol: 1e-6 });
  const sig = (q) => 1 / (1 + Math.exp(-q));
  assertClose(Array.from(asData.subarray(0, 4)), [out[0], out[1], sig(out[2]), Math.exp(out[3]) / (Math.exp(out[3]) + Math.exp(out[4]) + Math.exp(out[5]))],
    { atol: 1e-6, rtol: 1e-5 });
  assertThrows(() => checkOutputSpec({ kind: 'mixed', families: FAMILIES }, 10), /the families cover 9 columns of 10/);
  assertThrows(() => checkOutputSpec({ kind: 'categorical', groups: [[0, 2]] }, 3), /groups cover 2 columns of 3/);
  like.dispose();
});

s("a decoder's nll is its likelihood's on its output; a Bernoulli decoder's mean is the sigmoid of its logits", () => {
  const r = rng(16);
  const gen = new sg.Generator(3);
  const dec = new LikelihoodDecoder([3, 6, COLS], { kind: 'bernoulli' }, { activation: 'tanh', generator: gen });
  const z = sg.tensor(uniform(r, ROWS * 3, -1, 1), [ROWS, 3]);
  const x = sg.tensor(withMissing(uniform(r, ROWS * COLS, 0, 1)), [ROWS, COLS]);
  sg.tidy(() => {
    const { out } = dec.output(z);
    assertClose(dec.mean(z).toArray(), Array.from(out.toArray(), (v) => 1 / (1 + Math.exp(-v))), { atol: 1e-6, rtol: 1e-5 });
    assertClose(dec.nll(z, x).toArray(), bernoulliNll64(out.toArray(), x.toArray(), null, ROWS, COLS), { atol: 1e-5, rtol: 1e-5 });
  });
  const gauss = new LikelihoodDecoder([3, 6, COLS], { kind: 'gaussian', variance: 'learned' }, { generator: gen });
  assert.equal(gauss.namedTensors().map(([n]) => n).slice(-1), ['likelihood.logvar']);
  sg.tidy(() => assertClose(gauss.mean(z).toArray(), gauss.output(z).out.toArray(), { atol: 0, rtol: 0 }));
  for (const m of [dec, gauss]) m.dispose();
  for (const t of [z, x]) t.dispose();
});

s('the Gaussian encoder gives mu and logvar of its MLP trunk, NaN inputs read as 0', () => {
  const r = rng(17);
  const enc = new GaussianEncoder({ inputSize: 4, hidden: [5], latent: 2, activation: 'tanh' }, new sg.Generator(4), 'cpu');
  const p = Object.fromEntries(enc.namedTensors().map(([n, t]) => [n, t.toArray()]));
  const xs = uniform(r, 3 * 4, 0, 1);
  xs[5] = NaN;
  const lin = (x, W, b, inN, outN) => Array.from({ length: outN }, (_, j) => b[j] + x.reduce((a, v, k) => a + v * W[k * outN + j], 0));
  const expected = { mu: [], logvar: [] };
  for (let row = 0; row < 3; row++) {
    const x = Array.from(xs.subarray(row * 4, row * 4 + 4), (v) => (Number.isNaN(v) ? 0 : v));
    const h = lin(x, p['encoder.layers.0.weight'], p['encoder.layers.0.bias'], 4, 5).map(Math.tanh);
    expected.mu.push(...lin(h, p['mu.weight'], p['mu.bias'], 5, 2));
    expected.logvar.push(...lin(h, p['logvar.weight'], p['logvar.bias'], 5, 2));
  }
  sg.tidy(() => {
    const { mu, logvar } = enc.posterior(sg.tensor(xs, [3, 4]));
    assertClose(mu.toArray(), expected.mu, { atol: 1e-6, rtol: 1e-5 });
    assertClose(logvar.toArray(), expected.logvar, { atol: 1e-6, rtol: 1e-5 });
  });
  enc.dispose();
});

s('a moving average starts as an exact copy without gradients and follows by (1 − decay) per update', () => {
  const gen = new sg.Generator(5);
  const source = new sg.MLP([3, 4, 2], { generator: gen });
  const average = new sg.MLP([3, 4, 2], { generator: gen });
  startAverage(average, source);
  const before = average.namedTensors().map(([, t]) => t.toArray());
  assert.equal(before, source.namedTensors().map(([, t]) => t.toArray()));
  assert.is(average.parameters().length, 0, 'the average takes no gradient');
  // move the source, then one update with decay 0.9: a + 0.1 (s − a) in float64
  for (const [, t] of source.namedTensors()) sg.init.uniform(t, -1, 1, gen);
  const src = source.namedTensors().map(([, t]) => t.toArray());
  updateAverage(average, source, 0.9);
  average.namedTensors().forEach(([, t], i) => {
    assertClose(t.toArray(), Array.from(before[i], (a, j) => a + 0.1 * (src[i][j] - a)), { atol: 1e-7, rtol: 1e-6 });
  });
  const other = new sg.MLP([3, 5, 2], { generator: gen });
  assertThrows(() => updateAverage(other, source, 0.9), /moving average: the average's tensors/);
  for (const m of [source, average, other]) m.dispose();
});

s('withFrozen: the modules take no gradient inside, and take gradients again afterwards, even after a throw', () => {
  const gen = new sg.Generator(6);
  const a = new sg.MLP([2, 3, 1], { generator: gen });
  const b = new sg.MLP([1, 2, 1], { generator: gen });
  const x = sg.tensor([0.5, -1, 2, 0.25], [2, 2]);
  withFrozen([b], () => sg.tidy(() => sg.sum(b.forward(a.forward(x))).backward()));
  assert.ok(a.parameters().every((p) => p.grad !== null), 'the free module got gradients');
  assert.ok(b.parameters().length === 4 && b.parameters().every((p) => p.grad === null), 'the frozen one none, and is whole again');
  assertThrows(() => withFrozen([a], () => { throw new Error('inside'); }), /inside/);
  assert.is(a.parameters().length, 4, 'restored after a throw');
  for (const m of [a, b]) m.dispose();
  x.dispose();
});

s('the option schema: defaults (also computed from earlier options), errors naming the option, unknown keys', () => {
  const schema = { hidden: sizes([4, 3], 1), latent: int(2), act: choice('relu', ['relu', 'tanh']), weights: numbers((c) => c.hidden.map(() => 1)) };
  assert.equal(readConfig('toy', schema, { inputSize: 5, hidden: [7] }),
    { kind: 'toy', inputSize: 5, hidden: [7], latent: 2, act: 'relu', weights: [1] });
  assertThrows(() => readConfig('toy', schema, { inputSize: 5, latent: 0 }), /toy: latent must be an integer >= 1, got 0/);
  assertThrows(() => readConfig('toy', schema, { inputSize: 5, hidden: [] }), /toy: hidden must list at least one layer size/);
  assertThrows(() => readConfig('toy', schema, { inputSize: 5, act: 'gelu' }), /toy: act must be one of relu, tanh, got "gelu"/);
  assertThrows(() => readConfig('toy', schema, { inputSize: 5, latnet: 3 }), /toy: unknown config option latnet \(known: kind, inputSize, hidden/);
  assertThrows(() => readConfig('toy', schema, { inputSize: 0 }), /toy: inputSize must be a positive integer/);
  assertThrows(() => readConfig('toy', schema, { kind: 'vae', inputSize: 3 }), /config is for kind 'vae'/);
});

s('a default config builds no weights', () => {
  const live = sg.liveTensors();
  const bytes = sg.memoryStats().liveBytes;
  for (const kind of sg.MODEL_KINDS) defaultConfig(kind, 784);
  assert.is(sg.liveTensors(), live);
  assert.is(sg.memoryStats().liveBytes, bytes);
});

s.run();
