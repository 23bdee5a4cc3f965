// A float64 reference of Kingma et al.'s M2 objective, written from the paper independently of the engine: the
// first layers of q(z|x,y) and p(x|y,z) take the concatenated inputs [x, onehot(y)] and [z, onehot(y)] (the
// engine splits them), the unlabelled bound loops over examples and classes. Also the synthetic classes and the
// short run on them that M1, M2 and M1+M2 must win.
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { softplus } from '../reference/unary.js';
import { act, bceRow, klRow, linear, mean, mlp, sum } from './reference.js';

export const ACTIVATIONS = { relu: act.relu, leakyRelu: act.leakyRelu(0.01), tanh: Math.tanh, softplus };

/**
 * Three classes of 16-pixel images: a class's prototype (4 of 12 "on" blocks) with 10% of pixels flipped. Returns
 * flat train and test pixels with labels.
 */
export function syntheticClasses(r, trainRows, testRows) {
  const features = 16;
  const prototypes = [0, 1, 2].map((c) => Array.from({ length: features }, (_, j) => (Math.floor(j / 4) === c || j % 5 === c ? 1 : 0)));
  const draw = (rows) => {
    const x = new Float32Array(rows * features);
    const labels = [];
    for (let i = 0; i < rows; i++) {
      const c = i % 3;
      labels.push(c);
      for (let j = 0; j < features; j++) x[i * features + j] = r.uniform(0, 1) < 0.1 ? 1 - prototypes[c][j] : prototypes[c][j];
    }
    return { x, labels };
  };
  const a = draw(trainRows);
  const b = draw(testRows);
  return { train: a.x, trainLabels: a.labels, test: b.x, testLabels: b.labels, features };
}

/**
 * `steps` steps of the model on 32 random training rows of `data` (syntheticClasses) each beside the labelled rows
 * at `labelledIndex`, asserting a finite loss after each; returns the model's error rate on the test rows in eval
 * mode.
 */
export function syntheticRunError(model, r, data, labelledIndex, steps) {
  const { train, trainLabels, test, testLabels, features } = data;
  const xAll = sg.keep(sg.tensor(train, [train.length / features, features]));
  const xl = sg.keep(sg.gatherRows(xAll, Int32Array.from(labelledIndex)));
  const yl = sg.keep(sg.tensor(Array.from(labelledIndex, (i) => trainLabels[i]), [labelledIndex.length]));
  for (let step = 0; step < steps; step++) {
    const rows = Int32Array.from({ length: 32 }, () => r.int(train.length / features));
    const m = sg.tidy(() => model.trainStep({ x: sg.gatherRows(xAll, rows), labelled: { x: xl, labels: yl } }));
    assert.ok(Number.isFinite(m.loss), `step ${step}: loss ${m.loss}`);
  }
  model.module.eval();
  const n = testLabels.length;
  const sums = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(test, [n, features]), labels: sg.tensor(testLabels, [n]) })));
  for (const t of [xAll, xl, yl]) t.dispose();
  return sums.error / n;
}

/** W of a layer over concatenated inputs: the rows of `top` [n1, out] above those of `bottom` [n2, out] */
function stack(top, bottom) {
  return Float64Array.from([...top, ...bottom]);
}

function oneHot(y, classes) {
  return Array.from({ length: classes }, (_, c) => (c === y ? 1 : 0));
}

function logSoftmaxRow(v) {
  const m = Math.max(...v);
  const lse = m + Math.log(sum(v.map((a) => Math.exp(a - m))));
  return v.map((a) => a - lse);
}

/** Gaussian −log N(x; m, exp(lv)) summed over a row, over the columns j with active[j] = 1 when given */
function gaussianNllRow(x, m, lv, active) {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    if (active && !active[j]) continue;
    s += 0.5 * (Math.log(2 * Math.PI) + lv[j] + (x[j] - m[j]) ** 2 * Math.exp(-lv[j]));
  }
  return s;
}

/**
 * −ELBO(x, y) of one row with noise eps: p holds the engine's parameter names (W [in, out]); c the config
 * (classes, activation, encoderHidden, decoderHidden, likelihood, and for a Gaussian optionally active: the
 * 0/1 columns its likelihood covers).
 */
export function negElbo(p, c, x, y, eps) {
  const f = ACTIVATIONS[c.activation];
  const gaussian = c.likelihood === 'gaussian';
  const input = gaussian ? x : x.map((v) => (Number.isNaN(v) ? 0 : v));
  const yh = oneHot(y, c.classes);
  let [h] = linear([[...input, ...yh]], stack(p['encoderX.weight'], p['encoderY.weight']), p['encoderX.bias'], f);
  if (c.encoderHidden.length > 1) [h] = mlp(p, 'encoder', c.encoderHidden.length - 1, [h], f, f);
  const [mu] = linear([h], p['mu.weight'], p['mu.bias']);
  const [lv] = linear([h], p['logvar.weight'], p['logvar.bias']);
  const z = mu.map((m, j) => m + eps[j] * Math.exp(lv[j] / 2));
  let [d] = linear([[...z, ...yh]], stack(p['decoderZ.weight'], p['decoderY.weight']), p['decoderZ.bias'], f);
  if (c.decoderHidden.length > 1) [d] = mlp(p, 'decoder', c.decoderHidden.length - 1, [d], f, f);
  const [out] = linear([d], p['output.weight'], p['output.bias']);
  const rec = gaussian ? gaussianNllRow(x, out, linear([d], p['likelihood.logvar.weight'], p['likelihood.logvar.bias'])[0], c.active)
    : bceRow(out, x);
  return rec + klRow(mu, lv) + Math.log(c.classes);
}

/** log q(y|x) of each row */
export function logq(p, c, rows) {
  const f = ACTIVATIONS[c.activation];
  const input = rows.map((x) => (c.likelihood === 'gaussian' ? x : x.map((v) => (Number.isNaN(v) ? 0 : v))));
  return mlp(p, 'classifier', c.classifierHidden.length + 1, input, f).map(logSoftmaxRow);
}

/**
 * The M2 loss of labelled rows spec.x with spec.labels and unlabelled rows spec.xu: w · mean_l −ELBO + alpha · CE
 * (class-weighted: Σ w ce / Σ w) + mean_u [Σ_y q(y|x) (−ELBO(x, y)) + Σ_y q log q], w = spec.labelledWeight, or
 * where that is null or absent the batch's spec.share, or 1. spec.eps.labelled[i] is row i's noise,
 * spec.eps.unlabelled[c · rows + i] that of unlabelled row i with class c.
 */
export function m2Reference(p, spec) {
  const labelledRows = spec.x.map((x, i) => negElbo(p, spec, x, spec.labels[i], spec.eps.labelled[i]));
  const lq = logq(p, spec, spec.x);
  const ce = spec.labels.map((y, i) => -lq[i][y]);
  const w = spec.labels.map((y) => (spec.classWeights ? spec.classWeights[y] : 1));
  const crossEntropy = sum(ce.map((v, i) => v * w[i])) / sum(w);
  const n = spec.xu.length;
  const lqu = logq(p, spec, spec.xu);
  let unlabelled = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < spec.classes; c++) {
      const q = Math.exp(lqu[i][c]);
      unlabelled += q * (negElbo(p, spec, spec.xu[i], c, spec.eps.unlabelled[c * n + i]) + lqu[i][c]);
    }
  }
  if (n > 0) unlabelled /= n;
  const labelled = mean(labelledRows);
  const weight = spec.labelledWeight ?? spec.share ?? 1;
  return { loss: weight * labelled + spec.alpha * crossEntropy + unlabelled, labelled, unlabelled, crossEntropy, logq: lq, labelledRows };
}
