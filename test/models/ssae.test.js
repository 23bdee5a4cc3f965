// The semi-supervised autoencoder against a float64 reference (4-3-2 encoder, mirrored decoder, a 3-way head on
// the code, known weights): the joint loss (mean reconstruction with missing pixels + weight · CE) and every
// parameter's gradient, evaluation sums, encode/decode/classify, a short run that beats chance, and bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { SSAE } from '../../dist/src/models/ssae.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import {
  act, bceRow, errorAndCrossEntropy, finiteDifferences, linear, matrix, mean, mlp, noisyPrototypes, pixels, prototypeRunError,
  readGrads, setWeights, sum,
} from './reference.js';

const s = suite('models: SSAE');
const IN = 4;
const CODE = 2;
const CLASSES = 3;
const WEIGHT = 2.5;

function build(options = {}) {
  return new SSAE({ inputSize: IN, hidden: [3], code: CODE, classes: CLASSES, classifierWeight: WEIGHT, labelledBatchSize: 3,
    ...options }, { generator: new sg.Generator(21) });
}

const clean = (x) => x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
const code = (p, x) => mlp(p, 'encoder', 2, clean(x), act.relu);
const logits = (p, x) => linear(code(p, x), p['head.layers.0.weight'], p['head.layers.0.bias']);
const reconstruction = (p, x) => mlp(p, 'decoder', 2, code(p, x), act.relu).map((l, i) => bceRow(l, x[i]));
function ce(row, y) {
  const mx = Math.max(...row);
  return mx + Math.log(sum(row.map((v) => Math.exp(v - mx)))) - row[y];
}

for (const classWeights of [null, [1, 3, 0.5]]) {
  s(`joint loss and all gradients match float64 (class weights ${JSON.stringify(classWeights)})`, () => {
    const model = build({ classWeights });
    const r = rng(81);
    const p = setWeights(model, r);
    const xFlat = pixels(r, 5, IN, [[1, 2], [4, 0]]);
    const xlFlat = pixels(r, 3, IN, [[0, 3]]);
    const yl = [1, 2, 1];
    const x = matrix(xFlat, 5, IN);
    const xl = matrix(xlFlat, 3, IN);
    const w = yl.map((y) => (classWeights === null ? 1 : classWeights[y]));
    const parts = (q) => {
      const l = logits(q, xl);
      return { rec: mean(reconstruction(q, x)), cls: sum(yl.map((y, i) => w[i] * ce(l[i], y))) / sum(w) };
    };
    const objective = (q) => {
      const { rec, cls } = parts(q);
      return rec + WEIGHT * cls;
    };
    const got = sg.tidy(() => model.trainStep({ x: sg.tensor(xFlat, [5, IN]),
      labelled: { x: sg.tensor(xlFlat, [3, IN]), labels: sg.tensor(Float32Array.from(yl), [3]) } }));
    const want = parts(p);
    assertClose([got.reconstruction, got.classifier, got.loss], [want.rec, want.cls, objective(p)],
      { atol: 1e-5, rtol: 1e-5, what: 'reconstruction, classifier, loss' });
    const grads = readGrads(model);
    const expected = finiteDifferences(objective, p, Object.keys(p));
    assert.equal(Object.keys(grads), Object.keys(p));
    for (const name of Object.keys(p)) assertClose(grads[name], expected[name], { atol: 2e-5, rtol: 1e-4, what: name });
  });
}

s('evaluateBatch sums reconstruction over rows and error/cross-entropy over labelled rows; codes and classes', () => {
  const model = build();
  const r = rng(82);
  const p = setWeights(model, r);
  const xFlat = pixels(r, 5, IN, [[2, 2]]);
  const x = matrix(xFlat, 5, IN);
  const labels = [2, NaN, 0, 1, NaN];
  const l = logits(p, x);
  const { error, xent } = errorAndCrossEntropy(l, labels);
  model.module.eval();
  sg.tidy(() => sg.noGrad(() => {
    const xt = sg.tensor(xFlat, [5, IN]);
    const got = model.evaluateBatch({ x: xt, labels: sg.tensor(Float32Array.from(labels), [5]) });
    assert.is(got.error, error);
    assertClose([got.reconstruction, got.cross_entropy], [sum(reconstruction(p, x)), xent],
      { atol: 1e-5, rtol: 1e-5, what: 'reconstruction, cross_entropy' });
    assert.equal(Object.keys(model.evaluateBatch({ x: xt })), ['reconstruction']);
    assertClose(model.encode(xt).toArray(), code(p, x).flat(), { what: 'encode' });
    const probs = l.flatMap((row) => row.map((v) => Math.exp(v - row.reduce((a, b) => Math.max(a, b)))))
      .map((e, i, all) => e / sum(all.slice(i - (i % CLASSES), i - (i % CLASSES) + CLASSES)));
    assertClose(model.classify(xt).toArray(), probs, { what: 'classify' });
    const zs = Float32Array.from({ length: 2 * CODE }, () => r.uniform(-1, 1));
    assertClose(model.decode(sg.tensor(zs, [2, CODE])).toArray(),
      mlp(p, 'decoder', 2, matrix(zs, 2, CODE), act.relu, act.sigmoid).flat(), { what: 'decode' });
  }));
});

s('a short run on three noisy prototypes with two labels each classifies held-out rows well above chance', () => {
  const PIX = 16;
  const r = rng(83);
  const data = noisyPrototypes(r, PIX);
  const model = new SSAE({ inputSize: PIX, classes: 3, hidden: [16], code: 4, labelledBatchSize: 6, lr: 3e-3 },
    { generator: new sg.Generator(4) });
  const xl = new Float32Array(6 * PIX);
  const yl = Float32Array.from([0, 0, 1, 1, 2, 2]);
  for (let i = 0; i < 6; i++) data.noisyRow(xl, i, yl[i]);
  const error = prototypeRunError(model, data, xl, yl);
  assert.ok(error < 0.2, `test error ${error} (chance 0.67)`);
});

s('bad configs, batches and arguments throw naming what is wrong', () => {
  assertThrows(() => new SSAE({ inputSize: 4, code: 0 }), /ssae: code must be an integer >= 1, got 0/);
  assertThrows(() => new SSAE({ inputSize: 4, classifierWeight: -1 }), /ssae: classifierWeight must be a number in \[0, Infinity\)/);
  assertThrows(() => new SSAE({ inputSize: 4, hidden: [3, 0] }), /ssae: hidden must be an array of positive integers/);
  assertThrows(() => new SSAE({ inputSize: 4, activation: 'sigmoid' }), /ssae: activation must be one of relu, leakyRelu, tanh/);
  assertThrows(() => new SSAE({ inputSize: 4, labelledBatchSize: 0 }), /ssae: labelledBatchSize must be an integer >= 1/);
  assertThrows(() => new SSAE({ inputSize: 4, latent: 3 }), /ssae: unknown config option latent/);
  assertThrows(() => new SSAE({ kind: 'ae', inputSize: 4 }), /ssae: config is for kind 'ae'/);
  const model = build();
  sg.tidy(() => {
    const labelled = { x: sg.zeros([3, IN]), labels: sg.tensor([0, 1, 2], [3]) };
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]) }), /ssae: the batch has no labelled part/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, 5]), labelled }), /ssae: batch.x must be \[rows, 4\], got \[2,5\]/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: labelled.x, labels: sg.tensor([0, NaN, 1], [3]) } }),
      /ssae: label NaN of labelled row 1 is not a class of 0..2/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: labelled.x, labels: [0, 1, 2] } }),
      /ssae: batch.labelled.labels must be a Tensor/);
    assertThrows(() => model.evaluateBatch({ x: sg.zeros([2, IN]), labels: sg.zeros([3]) }), /ssae: batch.labels has 3 entries for 2 rows/);
    assertThrows(() => model.classify(sg.zeros([2, 3])), /ssae.classify: x must be \[rows, 4\]/);
    assertThrows(() => model.decode(sg.zeros([2, 3])), /ssae.decode: z must be \[rows, 2\]/);
  });
});

s.run();
