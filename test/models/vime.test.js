// VIME against float64 references written here: the corruption (a column masked as a whole, filled from the same
// column of another row), stage 1's loss (mask BCE + alpha · the feature estimator's NLL under a table's Gaussian,
// categorical and Bernoulli columns, missing cells left out) and stage 2's (class-weighted cross-entropy + beta ·
// the variance of the predictor's logits over the corrupted copies), values and gradients; the corruption a training
// step draws; each stage stepping its own parameters only; a short run on two blobs; a checkpoint giving the same
// classes; a resumed run across the stage boundary continuing exactly; the CLI's stage split; bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from '../../dist/src/index.js';
import { VIME, cellColumns, vimeKind } from '../../dist/src/models/vime.js';
import { train } from '../../dist/src/train/loop.js';
import { captureState, loadCheckpoint, restoreState, saveCheckpoint } from '../../dist/src/train/checkpoint.js';
import { softplus } from '../reference/unary.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { act, finiteDifferences, linear, matrix, mean, setWeights, sum } from './reference.js';
import { syntheticData } from '../train/fixtures.js';

const s = suite('models: VIME');
const dir = mkdtempSync(join(tmpdir(), 'semigen-vime-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));

// a table of 6 encoded cells: two numeric columns (Gaussian), a categorical column of 3 categories, a binary one
const IN = 6;
const FAMILIES = [
  { kind: 'gaussian', start: 0, end: 1 }, { kind: 'gaussian', start: 1, end: 2 }, { kind: 'categorical', start: 2, end: 5 },
  { kind: 'bernoulli', start: 5, end: 6 },
];
/** the table column each cell belongs to, and the cells of each column (written out, not derived) */
const COLUMN_OF = [0, 1, 2, 2, 2, 3];
const CELLS_OF = [[0], [1], [2, 3, 4], [5]];
const COLUMNS = 4;
const CLASSES = 3;
const ALPHA = 1.7;
const BETA = 0.6;
const LOG_FLOOR = Math.log(0.0025);

function build(options = {}) {
  return new VIME({ inputSize: IN, hidden: [4], predictorHidden: [3], classes: CLASSES, labelledBatchSize: 3, alpha: ALPHA,
    beta: BETA, selfSteps: 2, likelihood: { kind: 'mixed', families: FAMILIES }, ...options }, { generator: new sg.Generator(31) });
}

/** rows of the table as float32: standard-normal numbers, a one-hot category, a 0/1 bit; NaN at `missing` [row, cell] */
function tableRows(r, rows, missing = []) {
  const x = new Float32Array(rows * IN);
  for (let i = 0; i < rows; i++) {
    x[i * IN] = r.normal();
    x[i * IN + 1] = r.normal();
    x[i * IN + 2 + r.int(3)] = 1;
    x[i * IN + 5] = r.int(2);
  }
  for (const [row, cell] of missing) x[row * IN + cell] = NaN;
  return x;
}

/** the model's weights as given by setWeights, with the step count set to `steps` */
function knownWeights(model, r, steps = 0) {
  const p = setWeights(model, r, 0.8);
  model.module.loadStateDict({ ...model.module.stateDict(), steps: { shape: [1], data: new Float32Array([steps]) } });
  delete p.steps;
  return p;
}

// ---- the float64 reference ----

const zeroNaN = (x) => x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));

/** x (rows of cells) corrupted: NaN read as 0, each masked column (mask[i][c]) taken from row perm[c][i] */
function corruptRef(x, mask, perm) {
  const clean = zeroNaN(x);
  return clean.map((row, i) => row.map((v, j) => {
    const c = COLUMN_OF[j];
    return mask[i][c] === 1 ? clean[perm[c][i]][j] : v;
  }));
}

const encoderRef = (p, x) => linear(x, p['pretext.encoder.layers.0.weight'], p['pretext.encoder.layers.0.bias'], act.relu);

/** −log p(x | out) of a row under the table's likelihood, missing cells left out */
function featureNllRef(p, out, x) {
  let nll = 0;
  for (const j of [0, 1]) {
    if (Number.isNaN(x[j])) continue;
    const lv = Math.log(0.0025 + Math.exp(p['pretext.featureEstimator.likelihood.parts.0.logvar'][j]));
    nll += 0.5 * (Math.log(2 * Math.PI) + lv + (x[j] - out[j]) ** 2 * Math.exp(-lv));
  }
  if (!Number.isNaN(x[2])) {
    const o = out.slice(2, 5);
    const m = Math.max(...o);
    const lse = m + Math.log(sum(o.map((v) => Math.exp(v - m))));
    nll -= sum([0, 1, 2].map((k) => x[2 + k] * (o[k] - lse)));
  }
  if (!Number.isNaN(x[5])) nll += softplus(out[5]) - out[5] * x[5];
  return nll;
}

/** stage 1: mean over rows of the mask BCE over present columns, and of the feature NLL; loss = bce + alpha · nll */
function pretextRef(p, x, mask, perm) {
  const h = encoderRef(p, corruptRef(x, mask, perm));
  const maskLogits = linear(h, p['pretext.maskEstimator.weight'], p['pretext.maskEstimator.bias']);
  const out = linear(h, p['pretext.featureEstimator.layers.0.weight'], p['pretext.featureEstimator.layers.0.bias']);
  const bce = mean(maskLogits.map((l, i) => sum(l.map((v, c) => (Number.isNaN(x[i][CELLS_OF[c][0]]) ? 0
    : softplus(v) - v * mask[i][c])))));
  const nll = mean(out.map((o, i) => featureNllRef(p, o, x[i])));
  return { bce, nll, loss: bce + ALPHA * nll };
}

const predictorRef = (p, h) => linear(linear(h, p['predictor.layers.0.weight'], p['predictor.layers.0.bias'], act.relu),
  p['predictor.layers.1.weight'], p['predictor.layers.1.bias']);

function crossEntropy(row, y) {
  const m = Math.max(...row);
  return m + Math.log(sum(row.map((v) => Math.exp(v - m)))) - row[y];
}

/** stage 2: the (class-weighted) CE on the labelled rows + beta · mean over rows of Σ_classes Var_k(logits of copy k) */
function semiRef(p, xl, labels, classWeights, x, corruptions) {
  const ll = predictorRef(p, encoderRef(p, zeroNaN(xl)));
  const w = labels.map((y) => (classWeights === null ? 1 : classWeights[y]));
  const ce = sum(labels.map((y, i) => w[i] * crossEntropy(ll[i], y))) / sum(w);
  const copies = corruptions.map(({ mask, perm }) => predictorRef(p, encoderRef(p, corruptRef(x, mask, perm))));
  const k = copies.length;
  const consistency = mean(x.map((_, i) => sum(Array.from({ length: CLASSES }, (_, c) => {
    const values = copies.map((l) => l[i][c]);
    const m = sum(values) / k;
    return sum(values.map((v) => (v - m) ** 2)) / k;
  }))));
  return { ce, consistency, loss: ce + BETA * consistency };
}

/** a corruption for the engine from a mask (rows of 0/1 per column) and per-column row orders */
function engineCorruption(mask, perm) {
  return { mask: sg.tensor(Float32Array.from(mask.flat()), [mask.length, COLUMNS]), permutation: Int32Array.from(perm.flat()) };
}

/** a random mask ([rows][columns], each column masked with probability 0.5) and a random row order per column */
function randomCorruption(r, rows) {
  const mask = Array.from({ length: rows }, () => Array.from({ length: COLUMNS }, () => (r.uniform(0, 1) < 0.5 ? 1 : 0)));
  const perm = Array.from({ length: COLUMNS }, () => {
    const order = Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  });
  return { mask, perm };
}

/** the gradients left in the named parameters, name -> Float32Array (zeros where none reached it) */
function gradsOf(model, names) {
  const params = Object.fromEntries(model.module.namedParameters());
  return Object.fromEntries(names.map((n) => [n, params[n].grad === null ? new Float32Array(params[n].size) : params[n].grad.toArray()]));
}

const ROWS = 5;
// a missing number, a whole missing categorical column, a missing bit
const MISSING = [[1, 0], [2, 2], [2, 3], [2, 4], [3, 5]];

s('the corruption fills each masked column (a categorical one as a whole) from the permuted row, NaN read as 0', () => {
  const model = build();
  const r = rng(1);
  const xs = tableRows(r, ROWS, MISSING);
  const x = matrix(xs, ROWS, IN);
  const { mask, perm } = randomCorruption(r, ROWS);
  mask[0] = [1, 1, 1, 1];
  const got = sg.tidy(() => model.corrupt(sg.tensor(xs, [ROWS, IN]), engineCorruption(mask, perm)).toArray());
  const want = corruptRef(x, mask, perm).flat();
  assert.equal(Array.from(got), want.map((v) => Math.fround(v)));
  // every categorical column of the corrupted rows is still one-hot or all 0 (a missing one moved in)
  for (let i = 0; i < ROWS; i++) assert.ok([0, 1].includes(got[i * IN + 2] + got[i * IN + 3] + got[i * IN + 4]), `row ${i}`);
  sg.disposeModel(model);
});

s('stage 1: mask BCE + alpha · feature NLL and every gradient of the encoder and estimators match float64', () => {
  const model = build();
  const r = rng(2);
  const p = knownWeights(model, r);
  const xs = tableRows(r, ROWS, MISSING);
  const x = matrix(xs, ROWS, IN);
  const { mask, perm } = randomCorruption(r, ROWS);
  mask[2] = [1, 0, 1, 1]; // a masked column that is missing (row 2's category) leaves the BCE
  const names = Object.keys(p).filter((n) => n.startsWith('pretext.'));
  for (const opt of Object.values(model.optimizers)) opt.zeroGrad();
  const got = sg.tidy(() => {
    const o = model.pretextLosses(sg.tensor(xs, [ROWS, IN]), engineCorruption(mask, perm));
    o.loss.backward();
    return [o.mask.item(), o.feature.item(), o.loss.item()];
  });
  const want = pretextRef(p, x, mask, perm);
  assertClose(got, [want.bce, want.nll, want.loss], { atol: 1e-5, rtol: 1e-5, what: 'mask BCE, feature NLL, loss' });
  const grads = gradsOf(model, names);
  const fd = finiteDifferences((q) => pretextRef(q, x, mask, perm).loss, p, names);
  for (const name of names) assertClose(grads[name], fd[name], { atol: 3e-5, rtol: 1e-4, what: name });
  sg.disposeModel(model);
});

for (const classWeights of [null, [1, 3, 0.5]]) {
  s(`stage 2: CE + beta · the logits' variance over 3 copies and the predictor's gradients match float64; the encoder gets none (class weights ${JSON.stringify(classWeights)})`, () => {
    const model = build({ classWeights });
    const r = rng(3);
    const p = knownWeights(model, r);
    const xs = tableRows(r, ROWS, MISSING);
    const xls = tableRows(r, 3, [[0, 1]]);
    const labels = [2, 0, 1];
    const corruptions = [0, 1, 2].map(() => randomCorruption(r, ROWS));
    const x = matrix(xs, ROWS, IN);
    const xl = matrix(xls, 3, IN);
    for (const opt of Object.values(model.optimizers)) opt.zeroGrad();
    const got = sg.tidy(() => {
      const o = model.semiSupervisedLosses(sg.tensor(xs, [ROWS, IN]),
        { x: sg.tensor(xls, [3, IN]), labels: sg.tensor(labels, [3]) }, corruptions.map((c) => engineCorruption(c.mask, c.perm)));
      o.loss.backward();
      return [o.classifier.item(), o.consistency.item(), o.loss.item()];
    });
    const want = semiRef(p, xl, labels, classWeights, x, corruptions);
    assert.ok(want.consistency > 1e-3, 'the copies disagree');
    assertClose(got, [want.ce, want.consistency, want.loss], { atol: 1e-5, rtol: 1e-5, what: 'CE, consistency, loss' });
    const names = Object.keys(p);
    const grads = gradsOf(model, names);
    const predictor = names.filter((n) => n.startsWith('predictor.'));
    const fd = finiteDifferences((q) => semiRef(q, xl, labels, classWeights, x, corruptions).loss, p, predictor);
    for (const name of predictor) assertClose(grads[name], fd[name], { atol: 3e-5, rtol: 1e-4, what: name });
    for (const name of names.filter((n) => n.startsWith('pretext.'))) assert.ok(grads[name].every((v) => v === 0), `${name}: frozen`);
    sg.disposeModel(model);
  });
}

/** the next corruptions (mask, then the uniforms whose order per column is the row order) of the model's generator */
function nextCorruptions(model, rows, count) {
  const g = new sg.Generator(model.generator.seed);
  g.setState(model.generator.getState());
  return Array.from({ length: count }, () => {
    const m = sg.bernoulli([rows, COLUMNS], model.config.pMask, g);
    const u = sg.rand([rows, COLUMNS], g);
    const mask = matrix(m.toArray(), rows, COLUMNS);
    const keys = matrix(u.toArray(), rows, COLUMNS);
    m.dispose();
    u.dispose();
    const perm = Array.from({ length: COLUMNS }, (_, c) => Array.from({ length: rows }, (_, i) => i)
      .sort((a, b) => keys[a][c] - keys[b][c] || a - b));
    return { mask, perm };
  });
}

s('trainStep draws its corruptions from the generator and steps one stage at a time: stage 1 the encoder and estimators, then the predictor', () => {
  const model = build({ pMask: 0.5 });
  const r = rng(4);
  const p = knownWeights(model, r);
  const rows = 8;
  const xs = tableRows(r, rows, [[3, 1]]);
  const xls = tableRows(r, 3);
  const labels = [1, 2, 0];
  const x = matrix(xs, rows, IN);
  const step = () => sg.tidy(() => model.trainStep({ x: sg.tensor(xs, [rows, IN]),
    labelled: { x: sg.tensor(xls, [3, IN]), labels: sg.tensor(labels, [3]) } }));
  // the drawn corruption: a mask from Bernoulli(pMask), and each column's rows in the order of uniform draws
  const [drawn] = nextCorruptions(model, rows, 1);
  const c = model.drawCorruption(rows);
  assert.equal(Array.from(c.mask.toArray()), drawn.mask.flat());
  assert.equal(Array.from(c.permutation), drawn.perm.flat());
  for (const order of drawn.perm) assert.equal([...order].sort((a, b) => a - b), Array.from({ length: rows }, (_, i) => i));
  c.mask.dispose();
  const [first] = nextCorruptions(model, rows, 1);
  const before = model.module.stateDict();
  const one = step();
  assert.is(one.stage, 1);
  const want1 = pretextRef(p, x, first.mask, first.perm);
  assertClose([one.mask_bce, one.feature_nll, one.loss], [want1.bce, want1.nll, want1.loss], { atol: 1e-5, rtol: 1e-5, what: 'stage 1 step' });
  const after1 = model.module.stateDict();
  for (const name of Object.keys(p)) {
    const moved = after1[name].data.some((v, i) => v !== before[name].data[i]);
    assert.is(moved, name.startsWith('pretext.'), `${name} ${name.startsWith('pretext.') ? 'trains' : 'waits'} in stage 1`);
  }
  step();
  assert.is(model.stepsTaken, 2);
  assert.is(model.stage, 2);
  const q = Object.fromEntries(Object.entries(model.module.stateDict()).map(([k, v]) => [k, Float64Array.from(v.data)]));
  const copies = nextCorruptions(model, rows, 3);
  const two = step();
  assert.is(two.stage, 2);
  const want2 = semiRef(q, matrix(xls, 3, IN), labels, null, x, copies);
  assertClose([two.classifier, two.consistency, two.loss], [want2.ce, want2.consistency, want2.loss], { atol: 1e-5, rtol: 1e-5, what: 'stage 2 step' });
  const after2 = model.module.stateDict();
  for (const name of Object.keys(p)) {
    if (name.startsWith('pretext.')) assert.equal(after2[name].data, Float32Array.from(q[name]), `${name} frozen in stage 2`);
    else assert.ok(after2[name].data.some((v, i) => v !== q[name][i]), `${name} trains in stage 2`);
  }
  // classify: the predictor on the encoder of the clean rows
  const w = Object.fromEntries(Object.entries(after2).map(([k, v]) => [k, Float64Array.from(v.data)]));
  const logits = predictorRef(w, encoderRef(w, zeroNaN(x)));
  const probs = logits.flatMap((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    return e.map((v) => v / sum(e));
  });
  sg.tidy(() => assertClose(model.classify(sg.tensor(xs, [rows, IN])).toArray(), probs, { atol: 1e-6, rtol: 1e-5, what: 'classify' }));
  sg.disposeModel(model);
});

s('cellColumns: a categorical group is one column, every other cell its own', () => {
  assert.equal(Array.from(cellColumns({ kind: 'mixed', families: FAMILIES }, IN)), COLUMN_OF);
  assert.equal(Array.from(cellColumns({ kind: 'bernoulli' }, 3)), [0, 1, 2]);
  assert.equal(Array.from(cellColumns({ kind: 'gaussian', variance: 'learned' }, 2)), [0, 1]);
  assert.equal(Array.from(cellColumns({ kind: 'categorical', groups: [[0, 2], [2, 5]] }, 5)), [0, 0, 1, 1, 1]);
  assert.equal(Array.from(cellColumns({ kind: 'mixed', families: [{ kind: 'gaussian', start: 0, end: 3 },
    { kind: 'categorical', start: 3, end: 5 }] }, 5)), [0, 1, 2, 3, 3]);
  const model = build();
  assert.is(model.module.pretext.maskEstimator.weight.shape[1], COLUMNS);
  sg.disposeModel(model);
});

/**
 * Two Gaussian blobs in 4 numeric columns (class means ∓0.9), a bit that is the class 80% of the time and a category
 * of 3 that follows the class 70% of the time; `rows` rows of random classes, as float32.
 */
function blobs(r, rows) {
  const x = new Float32Array(rows * 8);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = r.int(2);
    y[i] = c;
    for (let j = 0; j < 4; j++) x[i * 8 + j] = (c === 0 ? -0.9 : 0.9) + r.normal();
    x[i * 8 + 4] = r.uniform(0, 1) < 0.8 ? c : 1 - c;
    x[i * 8 + 5 + (r.uniform(0, 1) < 0.7 ? c : r.int(3))] = 1;
  }
  return { x, y };
}
const BLOB_FAMILIES = [0, 1, 2, 3].map((j) => ({ kind: 'gaussian', start: j, end: j + 1 }))
  .concat([{ kind: 'bernoulli', start: 4, end: 5 }, { kind: 'categorical', start: 5, end: 8 }]);

s('a short run on two blobs (200 rows, 20 labels): the self-supervised loss falls, then it classifies far above chance', () => {
  const r = rng(5);
  const data = blobs(r, 200);
  const test = blobs(r, 400);
  const model = new VIME({ inputSize: 8, classes: 2, hidden: [16], predictorHidden: [16], labelledBatchSize: 20, lr: 3e-3,
    selfSteps: 200, likelihood: { kind: 'mixed', families: BLOB_FAMILIES } }, { generator: new sg.Generator(6) });
  const labelled = Int32Array.from({ length: 20 }, (_, i) => i);
  const live = sg.liveTensors();
  const pretext = [];
  for (let step = 0; step < 350; step++) {
    const rows = Int32Array.from({ length: 50 }, () => r.int(200));
    const m = sg.tidy(() => {
      const x = sg.tensor(data.x, [200, 8]);
      const y = sg.tensor(data.y, [200]);
      return model.trainStep({ x: sg.gatherRows(x, rows), labelled: { x: sg.gatherRows(x, labelled), labels: sg.gatherRows(y, labelled) } });
    });
    if (m.stage === 1) pretext.push(m.loss);
  }
  assert.is(sg.liveTensors(), live, 'no tensor leaks from trainStep');
  assert.is(pretext.length, 200);
  const start = mean(pretext.slice(0, 20));
  const end = mean(pretext.slice(-20));
  assert.ok(end < 0.9 * start, `the self-supervised loss falls by a tenth at least: ${start} -> ${end}`);
  model.module.eval();
  const { error } = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(test.x, [400, 8]), labels: sg.tensor(test.y, [400]) })));
  assert.ok(error / 400 < 0.15, `test error ${error / 400} (chance 0.5)`);
  // a checkpoint of the trained model gives a rebuilt one the same classes and codes
  const path = join(dir, 'blobs.safetensors');
  saveCheckpoint(path, captureState(model, null, { step: 350, epoch: 1, config: { model: model.config }, progress: {} }));
  const state = loadCheckpoint(path);
  const rebuilt = sg.createModel(state.config.model, { generator: new sg.Generator(99) });
  restoreState(rebuilt, null, state, path);
  rebuilt.module.eval();
  assert.is(rebuilt.stepsTaken, 350);
  sg.tidy(() => {
    const x = sg.tensor(test.x, [400, 8]);
    assert.equal(rebuilt.classify(x).toArray(), model.classify(x).toArray());
    assert.equal(rebuilt.encode(x).toArray(), model.encode(x).toArray());
  });
  sg.disposeModel(model);
  sg.disposeModel(rebuilt);
});

s('a run resumed before, at and after the stage boundary continues exactly (steps and weights bit for bit)', async () => {
  const config = { kind: 'vime', inputSize: 8, classes: 4, hidden: [6], predictorHidden: [5], labelledBatchSize: 8, selfSteps: 8 };
  const data = syntheticData();
  const run = async (options) => {
    const model = sg.createModel(config, { generator: new sg.Generator(3) });
    const steps = [];
    try {
      await train(model, data, { batchSize: 16, seed: 2, progress: 'none', ...options,
        onEvent: (e) => { if (e.type === 'step') steps.push(e.metrics); } });
      return { steps, weights: model.module.stateDict() };
    } finally {
      sg.disposeModel(model);
    }
  };
  const whole = await run({ steps: 16, outDir: join(dir, 'whole') });
  assert.equal(whole.steps.map((m) => m.stage), [...Array(8).fill(1), ...Array(8).fill(2)]);
  for (const at of [5, 8, 11]) {
    const out = join(dir, `parts-${at}`);
    const a = await run({ steps: at, outDir: out });
    const b = await run({ steps: 16, outDir: out, resume: true });
    assert.equal([...a.steps, ...b.steps], whole.steps, `stopped at ${at}: step metrics`);
    for (const [name, e] of Object.entries(whole.weights)) assert.equal(b.weights[name].data, e.data, `stopped at ${at}: ${name}`);
  }
});

s('the CLI gives stage 1 half the run unless selfSteps is given; a resumed run keeps its split; no steps left is an Error', () => {
  const given = {};
  vimeKind.runOptions({ steps: 101, lrDecay: null, saved: null }, given);
  assert.is(given.selfSteps, 50);
  const resumed = {};
  vimeKind.runOptions({ steps: 300, lrDecay: null, saved: { kind: 'vime', inputSize: 4, selfSteps: 50 } }, resumed);
  assert.is(resumed.selfSteps, 50);
  const own = { selfSteps: 70 };
  vimeKind.runOptions({ steps: 100, lrDecay: null, saved: null }, own);
  assert.is(own.selfSteps, 70);
  assertThrows(() => vimeKind.runOptions({ steps: 100, lrDecay: null, saved: null }, { selfSteps: 100 }),
    /vime: selfSteps 100 leaves the predictor none of the run's 100 steps; give more --epochs or --steps, or a smaller --option selfSteps=N/);
});

s('defaults, bad configs, corruptions, batches and arguments throw naming what is wrong', () => {
  const d = sg.defaultConfig('vime', 36);
  assert.equal([d.hidden, d.predictorHidden, d.pMask, d.alpha, d.beta, d.copies, d.lr], [[36], [100, 100], 0.3, 2, 1, 3, 1e-3]);
  assertThrows(() => new VIME({ inputSize: 4, pMask: 1 }), /vime: pMask must be a number in \(0, 1\), got 1/);
  assertThrows(() => new VIME({ inputSize: 4, pMask: 0 }), /vime: pMask must be a number in \(0, 1\), got 0/);
  assertThrows(() => new VIME({ inputSize: 4, copies: 1 }), /vime: copies must be an integer >= 2, got 1/);
  assertThrows(() => new VIME({ inputSize: 4, alpha: -1 }), /vime: alpha must be a number in \[0, Infinity\), got -1/);
  assertThrows(() => new VIME({ inputSize: 4, beta: NaN }), /vime: beta must be a number in \[0, Infinity\)/);
  assertThrows(() => new VIME({ inputSize: 4, hidden: [] }), /vime: hidden must list at least one layer size/);
  assertThrows(() => new VIME({ inputSize: 4, predictorHidden: [0] }), /vime: predictorHidden must be an array of positive integers/);
  assertThrows(() => new VIME({ inputSize: 4, selfSteps: -1 }), /vime: selfSteps must be an integer >= 0, got -1/);
  assertThrows(() => new VIME({ inputSize: 4, classWeights: [1, 2] }), /vime: classWeights has 2 entries for 10 classes/);
  assertThrows(() => new VIME({ inputSize: 4, K: 3 }), /vime: unknown config option K/);
  assertThrows(() => new VIME({ inputSize: 4, likelihood: { kind: 'mixed', families: FAMILIES } }), /the families cover 6 columns of 4/);
  const model = build({ selfSteps: 0 });
  sg.tidy(() => {
    const x = sg.zeros([2, IN]);
    const mask = sg.zeros([2, COLUMNS]);
    const permutation = new Int32Array(2 * COLUMNS);
    assertThrows(() => model.corrupt(x, { mask: sg.zeros([2, IN]), permutation }), /vime.corrupt: corruption.mask must be \[rows, 4\], got \[2,6\]/);
    assertThrows(() => model.corrupt(x, { mask: sg.zeros([3, COLUMNS]), permutation }), /vime.corrupt: corruption.mask has 3 rows for 2 rows of x/);
    assertThrows(() => model.corrupt(x, { mask, permutation: new Int32Array(3) }), /vime.corrupt: corruption.permutation must be an Int32Array of 4 · 2 row indices in \[0, 2\)/);
    assertThrows(() => model.corrupt(x, { mask, permutation: permutation.fill(2) }), /corruption.permutation must be an Int32Array/);
    assertThrows(() => model.corrupt(sg.zeros([2, 5]), { mask, permutation }), /vime.corrupt: x must be \[rows, 6\], got \[2,5\]/);
    assertThrows(() => model.drawCorruption(0), /vime.drawCorruption: rows must be a positive integer, got 0/);
    const c = { mask, permutation: new Int32Array(2 * COLUMNS) };
    const labelled = { x: sg.zeros([3, IN]), labels: sg.tensor([0, 1, 2], [3]) };
    assertThrows(() => model.semiSupervisedLosses(x, labelled, [c]), /vime.semiSupervisedLosses: needs at least 2 corruptions, got 1/);
    assertThrows(() => model.semiSupervisedLosses(x, { x: sg.zeros([3, 5]), labels: labelled.labels }, [c, c]),
      /vime.semiSupervisedLosses: labelled.x must be \[rows, 6\]/);
    assertThrows(() => model.trainStep({ x }), /vime: the batch has no labelled part/);
    assertThrows(() => model.trainStep({ x, labelled: { x: labelled.x, labels: sg.tensor([0, 1, 3], [3]) } }),
      /vime: label 3 of labelled row 2 is not a class of 0..2/);
    assertThrows(() => model.classify(sg.zeros([1, 4])), /vime.classify: x must be \[rows, 6\]/);
    assertThrows(() => model.decode(sg.zeros([1, 6])), /vime.decode: h must be \[rows, 4\]/);
  });
  sg.disposeModel(model);
});

s.run();
