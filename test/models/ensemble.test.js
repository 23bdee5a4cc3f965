// The ensemble kind: its p(y|x) is the mean of its members', its error and cross-entropy those of that mean (checked
// against a float64 reference built here from each member's own probabilities), its weights round-trip through a
// state dict as member0.*, member1.*, its codes are its encoding members' side by side, and it refuses what it cannot be.
// Its prior shift scales the mean and renormalises (float64 reference), and priorShift() is the EM estimate of the
// unlabelled rows' class prior (checked against an EM written here, and against rows drawn from a known prior).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { createModel, disposeModel, MODEL_KINDS } from '../../dist/src/models/registry.js';
import { noGrad } from '../../dist/src/autograd.js';
import { priorShift } from '../../dist/src/models/ensemble.js';
import { assertThrows, rng } from '../helpers.js';

const s = suite('models: ensemble');

const supervised = { kind: 'supervised', inputSize: 6, hidden: [5], classes: 3, labelledBatchSize: 4 };
const ssae = { kind: 'ssae', inputSize: 6, hidden: [5], code: 2, classes: 3, labelledBatchSize: 4 };
const vime = { kind: 'vime', inputSize: 6, hidden: [5], predictorHidden: [4], classes: 3, labelledBatchSize: 4, selfSteps: 2 };
const ensembleOf = (...members) => ({ kind: 'ensemble', inputSize: 6, classes: 3, members });

function rows(r, n) {
  return sg.tensor(Float32Array.from({ length: n * 6 }, () => r.uniform(-1, 2)), [n, 6]);
}

s('p(y|x) is the mean of the members\'; error and cross-entropy are those of the mean (float64 reference)', () => {
  const r = rng(3);
  const model = createModel(ensembleOf(supervised, ssae, vime), { generator: new sg.Generator(2) });
  try {
    assert.is(model.members.length, 3);
    assert.equal(model.members.map((m) => m.config.kind), ['supervised', 'ssae', 'vime']);
    model.module.eval();
    const n = 17;
    const x = rows(r, n);
    const labels = Float32Array.from({ length: n }, (_, i) => (i % 4 === 3 ? NaN : i % 3));
    const p = noGrad(() => model.classify(x)).toArray();
    const each = model.members.map((m) => Float64Array.from(noGrad(() => m.classify(x)).toArray()));
    let wrong = 0;
    let nll = 0;
    for (let i = 0; i < n; i++) {
      const mean = [0, 1, 2].map((c) => each.reduce((a, q) => a + q[i * 3 + c], 0) / each.length);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(p[i * 3 + c] - mean[c]) < 1e-6, `row ${i} class ${c}`);
      if (Number.isNaN(labels[i])) continue;
      const best = mean.indexOf(Math.max(...mean));
      if (best !== labels[i]) wrong++;
      nll -= Math.log(mean[labels[i]]);
    }
    const sums = model.evaluateBatch({ x, labels: sg.tensor(labels, [n]) });
    assert.is(sums.error, wrong);
    assert.ok(Math.abs(sums.cross_entropy - nll) < 1e-4 * Math.max(1, nll), `${sums.cross_entropy} vs ${nll}`);
    // the members differ, so the mean is not any one member's
    assert.ok(each.some((q) => q.some((v, k) => Math.abs(v - p[k]) > 1e-3)));
  } finally {
    disposeModel(model);
  }
});

s('priorShift multiplies the averaged p(y|x) by its factors and renormalises (float64 reference)', () => {
  const r = rng(6);
  const shift = [2.5, 0.4, 1.1];
  for (const members of [[supervised, ssae], [supervised, ssae, vime]]) {
    const model = createModel({ ...ensembleOf(...members), priorShift: shift }, { generator: new sg.Generator(3) });
    try {
      assert.equal(model.config.priorShift, shift);
      model.module.eval();
      const n = 9;
      const x = rows(r, n);
      const p = noGrad(() => model.classify(x)).toArray();
      const each = model.members.map((m) => Float64Array.from(noGrad(() => m.classify(x)).toArray()));
      const labels = Float32Array.from({ length: n }, (_, i) => i % 3);
      let wrong = 0;
      for (let i = 0; i < n; i++) {
        const q = [0, 1, 2].map((c) => (shift[c] * each.reduce((a, e) => a + e[i * 3 + c], 0)) / each.length);
        const total = q[0] + q[1] + q[2];
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(p[i * 3 + c] - q[c] / total) < 1e-6, `${members.length} members, row ${i} class ${c}`);
        if (q.indexOf(Math.max(...q)) !== labels[i]) wrong++;
      }
      assert.is(model.evaluateBatch({ x, labels: sg.tensor(labels, [n]) }).error, wrong);
      // the same model without the shift gives the plain mean, which differs
      model.setPriorShift(null);
      const plain = noGrad(() => model.classify(x)).toArray();
      assert.ok(plain.some((v, k) => Math.abs(v - p[k]) > 1e-3));
      model.setPriorShift(shift);
      assert.equal(Array.from(noGrad(() => model.classify(x)).toArray()), Array.from(p));
    } finally {
      disposeModel(model);
    }
  }
});

/** EM for the prior of rows whose p(y|x) was learnt under `trained`, in float64, written from the method's equations. */
function referencePrior(p, rows, trained, iterations = 5000) {
  const k = trained.length;
  let prior = trained.slice();
  for (let t = 0; t < iterations; t++) {
    const next = new Array(k).fill(0);
    for (let i = 0; i < rows; i++) {
      const w = prior.map((v, c) => (p[i * k + c] * v) / trained[c]);
      const z = w.reduce((a, b) => a + b, 0);
      for (let c = 0; c < k; c++) next[c] += w[c] / z / rows;
    }
    prior = next;
  }
  return prior;
}

s('priorShift: the EM estimate of the unlabelled rows\' class prior, as factors over the trained one (float64 reference)', () => {
  const r = rng(11);
  // random posteriors of 200 rows, 4 classes, learnt under an uneven prior
  const rows = 200;
  const k = 4;
  const p = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const e = Array.from({ length: k }, (_, c) => Math.exp(2 * r.normal() + (c === i % 3 ? 1 : 0)));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => (p[i * k + c] = v / z));
  }
  const trained = [0.4, 0.3, 0.2, 0.1];
  const expected = referencePrior(p, rows, trained).map((v, c) => v / trained[c]);
  const got = priorShift(p, rows, trained);
  for (let c = 0; c < k; c++) assert.ok(Math.abs(got[c] - expected[c]) < 1e-4, `class ${c}: ${got[c]} vs ${expected[c]}`);
  // posteriors that say nothing keep the trained prior: every factor 1
  assert.equal(priorShift(new Float32Array(rows * k).fill(0.25), rows, [0.25, 0.25, 0.25, 0.25]).map((v) => Number(v.toFixed(9))), [1, 1, 1, 1]);
  assertThrows(() => priorShift(p, rows + 1, trained), /priorShift: expected 201 rows of 4 probabilities, got 800 values/);
  assertThrows(() => priorShift(p, rows, [0.5, 0.5, 0, 0]), /priorShift: the trained prior must be positive/);
});

s('priorShift recovers the prior of rows drawn from it, from exact posteriors under an even prior', () => {
  // three unit-variance Gaussians at -2, 0, 2 drawn 60 : 30 : 10; p(y|x) the Bayes posterior under the even prior a
  // classifier trained on balanced labels learns
  const r = rng(12);
  const truth = [0.6, 0.3, 0.1];
  const centres = [-2, 0, 2];
  const rows = 20000;
  const p = new Float32Array(rows * 3);
  for (let i = 0; i < rows; i++) {
    const u = r.uniform(0, 1);
    const c = u < truth[0] ? 0 : u < truth[0] + truth[1] ? 1 : 2;
    const x = centres[c] + r.normal();
    const like = centres.map((m) => Math.exp(-((x - m) ** 2) / 2));
    const z = like.reduce((a, b) => a + b, 0);
    like.forEach((v, k) => (p[i * 3 + k] = v / z));
  }
  const shift = priorShift(p, rows, [1 / 3, 1 / 3, 1 / 3]);
  const prior = shift.map((w) => w / 3);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(prior[c] - truth[c]) < 0.02, `class ${c}: ${prior[c]} vs ${truth[c]}`);
});

s('a class every member gives probability 0 costs a finite cross-entropy', () => {
  const model = createModel(ensembleOf(supervised, { ...supervised, hidden: [4] }), { generator: new sg.Generator(4) });
  try {
    // weights a thousand times larger: logits in the thousands, softmax probabilities of exactly 0 and 1 in float32
    const state = model.module.stateDict();
    for (const e of Object.values(state)) e.data = e.data.map((v) => v * 1000);
    model.module.loadStateDict(state);
    model.module.eval();
    const x = rows(rng(8), 6);
    const p = noGrad(() => model.classify(x)).toArray();
    const least = Array.from({ length: 6 }, (_, i) => [0, 1, 2].reduce((a, c) => (p[i * 3 + c] < p[i * 3 + a] ? c : a), 0));
    assert.ok(least.some((c, i) => p[i * 3 + c] === 0), 'some label has probability 0 under both members');
    const sums = model.evaluateBatch({ x, labels: sg.tensor(Float32Array.from(least), [6]) });
    assert.ok(Number.isFinite(sums.cross_entropy) && sums.cross_entropy > 6 * 20, String(sums.cross_entropy));
  } finally {
    disposeModel(model);
  }
});

s('its weights round-trip as member0.*, member1.*; its codes are its encoding members\' side by side', () => {
  const r = rng(5);
  const a = createModel(ensembleOf(supervised, ssae), { generator: new sg.Generator(1) });
  const b = createModel(ensembleOf(supervised, ssae), { generator: new sg.Generator(9) });
  try {
    const state = a.module.stateDict();
    const names = Object.keys(state);
    assert.ok(names.every((k) => /^member[01]\./.test(k)), names.join(' '));
    assert.equal(names.filter((k) => k.startsWith('member0.')).sort(), Object.keys(a.members[0].module.stateDict()).map((k) => `member0.${k}`).sort());
    b.module.loadStateDict(state);
    a.module.eval();
    b.module.eval();
    const x = rows(r, 5);
    assert.equal(Array.from(noGrad(() => b.classify(x)).toArray()), Array.from(noGrad(() => a.classify(x)).toArray()));
    // supervised has no encoder, ssae's code is 2 wide
    const z = noGrad(() => a.encode(x));
    assert.equal(z.shape, [5, 2]);
    assert.equal(Array.from(z.toArray()), Array.from(noGrad(() => a.members[1].encode(x)).toArray()));
    const two = createModel(ensembleOf(ssae, vime), { generator: new sg.Generator(1) });
    try {
      two.module.eval();
      const codes = noGrad(() => two.encode(x));
      const first = noGrad(() => two.members[0].encode(x));
      const second = noGrad(() => two.members[1].encode(x));
      assert.equal(codes.shape, [5, first.cols + second.cols]);
      const [c, f, g] = [codes.toArray(), first.toArray(), second.toArray()];
      for (let i = 0; i < 5; i++) {
        const row = c.subarray(i * codes.cols, (i + 1) * codes.cols);
        assert.equal(Array.from(row.subarray(0, first.cols)), Array.from(f.subarray(i * first.cols, (i + 1) * first.cols)), `row ${i}`);
        assert.equal(Array.from(row.subarray(first.cols)), Array.from(g.subarray(i * second.cols, (i + 1) * second.cols)), `row ${i}`);
      }
    } finally {
      disposeModel(two);
    }
    const plain = createModel(ensembleOf(supervised, { ...supervised, hidden: [4] }));
    assert.is(plain.encode, undefined, 'no member encodes: the ensemble offers no encode()');
    disposeModel(plain);
  } finally {
    disposeModel(a);
    disposeModel(b);
  }
});

s('disposeModel frees every member\'s weights and optimizer state', () => {
  const before = sg.liveTensors();
  const model = createModel(ensembleOf(supervised, ssae, vime));
  assert.ok(sg.liveTensors() > before);
  disposeModel(model);
  assert.is(sg.liveTensors(), before);
  // a member that fails leaves nothing behind either
  assertThrows(() => createModel(ensembleOf(supervised, ssae, { ...vime, classes: 4 })), /member 2 \(vime\) has 4 classes/);
  assert.is(sg.liveTensors(), before);
});

s('it is built, not trained, and refuses members it cannot average', async () => {
  assert.not.ok(MODEL_KINDS.includes('ensemble'), 'train does not list it');
  const model = createModel(ensembleOf(supervised, ssae));
  assertThrows(() => model.trainStep({ x: rows(rng(1), 2) }), /ensemble: an ensemble is assembled from members trained on their own/);
  // train() refuses it before it touches the run folder
  const split = { x: new Float32Array(12), labels: Float32Array.from([0, 1]), count: 2, features: 6, labelled: 2 };
  const refused = await sg.train(model, { train: split, test: null }, { steps: 1, batchSize: 2, outDir: '/nonexistent/semigen-ensemble' })
    .then(() => null, (e) => e);
  assert.match(String(refused?.message), /train: the ensemble model is assembled from models trained on their own; it takes no training steps/);
  disposeModel(model);
  assertThrows(() => createModel(ensembleOf(supervised)), /ensemble: members must list two or more model configs/);
  assertThrows(() => createModel({ kind: 'ensemble', inputSize: 6, classes: 3 }), /ensemble: members must list two or more/);
  assertThrows(() => createModel({ ...ensembleOf(supervised, ssae), priorShift: [1, 2] }), /ensemble: priorShift has 2 entries for 3 classes/);
  assertThrows(() => createModel({ ...ensembleOf(supervised, ssae), priorShift: [1, 0, 2] }), /ensemble: priorShift must be positive finite numbers/);
  assertThrows(() => createModel({ ...ensembleOf(supervised, ssae), priorShift: [1, -1, 2] }), /ensemble: priorShift must be positive finite/);
  const one = createModel(ensembleOf(supervised, ssae));
  assertThrows(() => one.setPriorShift([1, Infinity, 1]), /ensemble: priorShift must be positive finite numbers/);
  assert.is(one.config.priorShift, null, 'a refused shift leaves none set');
  disposeModel(one);
  assertThrows(() => createModel(ensembleOf(supervised, { kind: 'ae', inputSize: 6, hidden: [5], latent: 2 })),
    /ensemble: member 1 \(ae\) does not classify/);
  assertThrows(() => createModel(ensembleOf(supervised, { ...ssae, classes: 4 })), /ensemble: member 1 \(ssae\) has 4 classes, the ensemble 3/);
  assertThrows(() => createModel(ensembleOf(supervised, { ...ssae, inputSize: 7 })), /ensemble: member 1 \(ssae\) takes 7 features, the ensemble 6/);
  assertThrows(() => createModel(ensembleOf(supervised, ensembleOf(supervised, ssae))), /ensemble: member 1 is itself an ensemble/);
  assertThrows(() => createModel(ensembleOf(supervised, { kind: 'nope' })), /unknown model kind "nope"/);
  assertThrows(() => createModel(ensembleOf(supervised, { ...ssae, code: -1 })), /ssae: code must be/);
});

s.run();
