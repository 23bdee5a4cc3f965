// Float64 references for the model tests, written independently of the engine: MLP layers over plain arrays
// (W stored [in, out] as the engine does), the per-row losses the models use, central finite differences over
// named parameters, and helpers that give a model known weights and read the engine's noise back; also the test
// inputs (pixels, noisy prototypes) and the short run the semi-supervised models must win.
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { sigmoid, softplus } from '../reference/unary.js';

/** rows x cols matrix of numbers from a flat array */
export function matrix(flat, rows, cols) {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => flat[r * cols + c]));
}

/** rows x cols pixels in [0, 1] as float32, NaN at the [row, col] pairs of `missing` */
export function pixels(r, rows, cols, missing = []) {
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = r.uniform(0, 1);
  for (const [row, col] of missing) x[row * cols + col] = NaN;
  return x;
}

export const act = {
  none: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  leakyRelu: (slope) => (v) => (v > 0 ? v : slope * v),
  sigmoid,
};

/** f(x·W + b) for x rows, W [in, out] flat, b [out] flat */
export function linear(x, W, b, f = act.none) {
  const out = b.length;
  return x.map((row) => Array.from({ length: out }, (_, j) => {
    let s = b[j];
    for (let i = 0; i < row.length; i++) s += row[i] * W[i * out + j];
    return f(s);
  }));
}

/** An MLP's layers named `${prefix}.layers.${i}.weight|bias` in p: hidden activation f, last activation last */
export function mlp(p, prefix, layers, x, f, last = act.none) {
  let h = x;
  for (let i = 0; i < layers; i++) h = linear(h, p[`${prefix}.layers.${i}.weight`], p[`${prefix}.layers.${i}.bias`], i + 1 === layers ? last : f);
  return h;
}

/** Σ over a row of max(x,0) - x t + log(1 + exp(-|x|)); NaN targets skipped */
export function bceRow(logits, targets) {
  let s = 0;
  for (let j = 0; j < logits.length; j++) {
    if (Number.isNaN(targets[j])) continue;
    s += softplus(logits[j]) - logits[j] * targets[j];
  }
  return s;
}

/** KL(N(mu, exp(lv)) || N(0, 1)) of a row */
export function klRow(mu, lv) {
  let s = 0;
  for (let j = 0; j < mu.length; j++) s += -0.5 * (1 + lv[j] - mu[j] * mu[j] - Math.exp(lv[j]));
  return s;
}

export const sum = (v) => v.reduce((a, b) => a + b, 0);
export const mean = (v) => sum(v) / v.length;

/** Misclassified rows and summed cross-entropy of logit rows over the labelled ones (NaN labels skipped) */
export function errorAndCrossEntropy(logits, labels) {
  let error = 0;
  let xent = 0;
  labels.forEach((y, i) => {
    if (Number.isNaN(y)) return;
    const l = logits[i];
    const m = Math.max(...l);
    xent += m + Math.log(sum(l.map((v) => Math.exp(v - m)))) - l[y];
    if (l.indexOf(m) !== y) error++;
  });
  return { error, xent };
}

/** Central differences of f(params) for every element of the named parameters (params: name -> Float64Array). */
export function finiteDifferences(f, params, names, h = 1e-6) {
  const out = {};
  for (const name of names) {
    const p = params[name];
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const keep = p[i];
      p[i] = keep + h;
      const up = f(params);
      p[i] = keep - h;
      const down = f(params);
      p[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    out[name] = g;
  }
  return out;
}

/**
 * Gives every tensor of the model's module values from r (uniform in [-scale, scale], float32) and returns them as
 * name -> Float64Array (the exact float32 values, for the reference).
 */
export function setWeights(model, r, scale = 0.8) {
  const state = model.module.stateDict();
  const params = {};
  for (const [name, entry] of Object.entries(state)) {
    for (let i = 0; i < entry.data.length; i++) entry.data[i] = r.uniform(-scale, scale);
    params[name] = Float64Array.from(entry.data);
  }
  model.module.loadStateDict(state);
  return params;
}

/** The engine's current values of the module's tensors, name -> Float64Array */
export function readWeights(model) {
  const out = {};
  for (const [name, entry] of Object.entries(model.module.stateDict())) out[name] = Float64Array.from(entry.data);
  return out;
}

/** The gradients the last backward left in the module's parameters, name -> Float32Array */
export function readGrads(model) {
  const out = {};
  for (const [name, p] of model.module.namedParameters()) out[name] = p.grad.toArray();
  return out;
}

/** What the model's generator will draw next: `draw(gen)` on a copy of its state, as a row matrix */
export function peek(model, rows, cols, draw) {
  const copy = new sg.Generator(model.generator.seed);
  copy.setState(model.generator.getState());
  const t = draw(copy);
  const values = matrix(t.toArray(), rows, cols);
  t.dispose();
  return { values, generator: copy };
}

/**
 * Three random binary prototypes of `size` pixels drawn from r; noisyRow(x, i, c) writes class c's prototype with
 * 15% of pixels flipped as row i of x, draw(rows) gives rows of random classes: { x, y } as float32.
 */
export function noisyPrototypes(r, size = 16) {
  const prototypes = Array.from({ length: 3 }, () => Array.from({ length: size }, () => (r.uniform(0, 1) < 0.5 ? 1 : 0)));
  const noisyRow = (x, i, c) => {
    for (let j = 0; j < size; j++) x[i * size + j] = r.uniform(0, 1) < 0.15 ? 1 - prototypes[c][j] : prototypes[c][j];
  };
  const draw = (rows) => {
    const x = new Float32Array(rows * size);
    const y = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      y[i] = r.int(3);
      noisyRow(x, i, y[i]);
    }
    return { x, y };
  };
  return { size, noisyRow, draw };
}

/**
 * 150 steps of the model on 32 fresh rows of `data` (noisyPrototypes) each beside the labelled rows xl, yl; asserts
 * no tensor leaks, then returns the model's error rate on 300 fresh rows in eval mode.
 */
export function prototypeRunError(model, data, xl, yl) {
  const { size, draw } = data;
  const nl = yl.length;
  const live = sg.liveTensors();
  for (let step = 0; step < 150; step++) {
    const u = draw(32);
    sg.tidy(() => model.trainStep({ x: sg.tensor(u.x, [32, size]), labelled: { x: sg.tensor(xl, [nl, size]), labels: sg.tensor(yl, [nl]) } }));
  }
  assert.is(sg.liveTensors(), live, 'no tensor leaks from trainStep');
  const test = draw(300);
  model.module.eval();
  const { error } = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(test.x, [300, size]), labels: sg.tensor(test.y, [300]) })));
  return error / 300;
}
