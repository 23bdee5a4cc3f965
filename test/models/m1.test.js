// M1 against a float64 reference: a tiny VAE + classifier with known weights and the engine's eps; the step's
// loss (the VAE's mean −ELBO on batch.x plus the classifier's cross-entropy on the labelled rows' posterior
// means) and every gradient (the VAE's from its own loss only: the means reach the classifier detached);
// evaluation, classify, encode and sample; a short run that beats chance; bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { M1 } from '../../dist/src/models/m1.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import {
  bceRow, errorAndCrossEntropy, finiteDifferences, klRow, linear, matrix, mean, mlp, peek, pixels, readGrads, setWeights, sum,
} from './reference.js';
import { ACTIVATIONS, syntheticClasses, syntheticRunError } from './m2_reference.js';

const s = suite('models: M1');
const IN = 5;
const LATENT = 2;
const K = 3;
const ROWS = 4;
const NL = 3;

function build(options = {}) {
  return new M1({ inputSize: IN, hidden: [4, 3], latent: LATENT, classes: K, labelledBatchSize: NL, ...options },
    { generator: new sg.Generator(13) });
}

/** posterior mu and logvar of the reference VAE (NaN pixels zeroed) */
function posterior(p, c, x) {
  const f = ACTIVATIONS[c.activation];
  const h = mlp(p, 'vae.encoder', c.hidden.length, x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v))), f, f);
  return { mu: linear(h, p['vae.mu.weight'], p['vae.mu.bias']), lv: linear(h, p['vae.logvar.weight'], p['vae.logvar.bias']) };
}

/** per-row −ELBO with noise eps */
function negElbo(p, c, x, eps) {
  const { mu, lv } = posterior(p, c, x);
  const z = mu.map((row, i) => row.map((m, j) => m + eps[i][j] * Math.exp(lv[i][j] / 2)));
  const logits = mlp(p, 'vae.decoder', c.hidden.length + 1, z, ACTIVATIONS[c.activation]);
  return logits.map((l, i) => bceRow(l, x[i]) + klRow(mu[i], lv[i]));
}

/** the classifier's (class-weighted) cross-entropy on given codes */
function crossEntropy(p, c, codes, labels) {
  const logits = mlp(p, 'classifier', c.classifierHidden.length + 1, codes, ACTIVATIONS[c.activation]);
  const w = labels.map((y) => (c.classWeights ? c.classWeights[y] : 1));
  const ce = logits.map((l, i) => {
    const m = Math.max(...l);
    return m + Math.log(sum(l.map((v) => Math.exp(v - m)))) - l[labels[i]];
  });
  return { value: sum(ce.map((v, i) => v * w[i])) / sum(w), logits };
}

for (const options of [{}, { activation: 'relu', classifierHidden: [3], classWeights: [2, 1, 0.5] }]) {
  s(`loss and gradients match float64 (${JSON.stringify(options)})`, () => {
    const model = build(options);
    const c = model.config;
    const r = rng(7);
    const p = setWeights(model, r, 0.8);
    const xs = pixels(r, ROWS, IN, [[1, 3]]);
    const ls = pixels(r, NL, IN);
    const labels = [1, 2, 1];
    const x = matrix(xs, ROWS, IN);
    const xl = matrix(ls, NL, IN);
    const { values: eps } = peek(model, ROWS, LATENT, (g) => sg.randn([ROWS, LATENT], g));
    const m = sg.tidy(() => model.trainStep({
      x: sg.tensor(xs, [ROWS, IN]), labelled: { x: sg.tensor(ls, [NL, IN]), labels: sg.tensor(labels, [NL]) },
    }));
    const vaeLoss = (q) => mean(negElbo(q, c, x, eps));
    const codes = posterior(p, c, xl).mu;
    const ceLoss = (q) => crossEntropy(q, c, codes, labels).value;
    assertClose([m.neg_elbo, m.cross_entropy, m.loss], [vaeLoss(p), ceLoss(p), vaeLoss(p) + ceLoss(p)],
      { atol: 1e-5, rtol: 1e-5, what: 'neg_elbo, cross_entropy, loss' });
    const names = Object.keys(p);
    const fd = {
      ...finiteDifferences(vaeLoss, p, names.filter((n) => n.startsWith('vae.'))),
      ...finiteDifferences(ceLoss, p, names.filter((n) => n.startsWith('classifier.'))),
    };
    const got = readGrads(model);
    assert.equal(Object.keys(got).sort(), names.sort());
    for (const name of names) assertClose(got[name], fd[name], { atol: 3e-5, rtol: 1e-4, what: name });
    sg.disposeModel(model);
  });
}

s('evaluateBatch, classify, encode and sample', () => {
  const model = build({ classifierHidden: [3] });
  const c = model.config;
  const r = rng(9);
  const p = setWeights(model, r, 0.8);
  const xs = pixels(r, ROWS, IN, [[0, 0]]);
  const labels = [0, NaN, 2, 1];
  const x = matrix(xs, ROWS, IN);
  const { values: eps } = peek(model, ROWS, LATENT, (g) => sg.randn([ROWS, LATENT], g));
  model.module.eval();
  const got = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [ROWS, IN]), labels: sg.tensor(labels, [ROWS]) })));
  const { mu } = posterior(p, c, x);
  const { logits } = crossEntropy(p, c, mu, [0, 0, 0, 0]);
  const { error, xent } = errorAndCrossEntropy(logits, labels);
  assert.is(got.error, error);
  assertClose([got.cross_entropy, got.neg_elbo], [xent, sum(negElbo(p, c, x, eps))], { atol: 1e-5, rtol: 1e-5, what: 'sums' });
  sg.tidy(() => {
    const t = sg.tensor(xs, [ROWS, IN]);
    assertClose(model.encode(t).toArray(), mu.flat(), { atol: 1e-6, rtol: 1e-5, what: 'encode' });
    const probs = logits.map((l) => {
      const e = l.map((v) => Math.exp(v - Math.max(...l)));
      return e.map((v) => v / sum(e));
    });
    assertClose(model.classify(t).toArray(), probs.flat(), { atol: 1e-6, rtol: 1e-5, what: 'classify' });
    assert.equal(model.sample(3).shape, [3, IN]);
  });
  sg.disposeModel(model);
});

s('a short run on three noisy prototypes (6 labels) beats chance on held-out rows', () => {
  const r = rng(22);
  const data = syntheticClasses(r, 300, 150);
  const model = new M1({ inputSize: data.features, hidden: [32], latent: 4, classes: 3, labelledBatchSize: 6, lr: 3e-3, classifierLr: 1e-2 },
    { generator: new sg.Generator(4) });
  const error = syntheticRunError(model, r, data, [0, 1, 2, 3, 4, 5], 200);
  assert.ok(error < 0.2, `test error ${error} (chance: 0.67)`);
  sg.disposeModel(model);
});

s('bad configs, batches and arguments throw naming what is wrong', () => {
  assertThrows(() => new M1({ inputSize: 4, hidden: [] }), /m1: hidden must list at least one layer size/);
  assertThrows(() => new M1({ inputSize: 4, latent: 0 }), /m1: latent must be an integer >= 1/);
  assertThrows(() => new M1({ inputSize: 4, classifierLr: 2 }), /m1: classifierLr must be a number in \(0, 1\]/);
  assertThrows(() => new M1({ inputSize: 4, activation: 'sigmoid' }), /m1: activation must be one of/);
  assertThrows(() => new M1({ inputSize: 4, labelledBatchSize: 0 }), /m1: labelledBatchSize must be an integer >= 1/);
  assertThrows(() => new M1({ inputSize: 4, classifer: [] }), /m1: unknown config option classifer/);
  const model = build();
  sg.tidy(() => {
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]) }), /m1: the batch has no labelled part/);
    const labelled = { x: sg.zeros([2, IN]), labels: sg.tensor([0, 5], [2]) };
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled }), /m1: label 5 of labelled row 1 is not a class of 0..2/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, 4]), labelled }), /m1: batch.x must be \[rows, 5\]/);
    assertThrows(() => model.evaluateBatch({ x: sg.zeros([2, IN]), labels: sg.zeros([3]) }), /m1: batch.labels has 3 entries for 2 rows/);
    assertThrows(() => model.encode(sg.zeros([2, 3])), /m1.encode: x must be \[rows, 5\]/);
    assertThrows(() => model.sample(-1), /m1.sample: n must be a positive integer/);
  });
  sg.disposeModel(model);
});

s.run();
