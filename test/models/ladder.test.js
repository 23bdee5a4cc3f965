// The Ladder network and the Γ-model against the float64 reference in ladder-reference.js: a 4-3-2 network with
// known weights and the noise the engine draws; the training loss, every parameter's gradient (central
// differences of the reference), the running batch-norm statistics and eval-mode prediction with them, the
// learning-rate decay, a short run that beats chance, and bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { Ladder } from '../../dist/src/models/ladder.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { finiteDifferences, matrix, pixels, readGrads, readWeights, setWeights } from './reference.js';
import { columnStats, encode, ladderLoss } from './ladder-reference.js';

const s = suite('models: Ladder');
const IN = 4;
const WIDTHS = [IN, 3, 2];
const LABELLED = 3;
const UNLABELLED = 4;
const ROWS = LABELLED + UNLABELLED;

function build(options = {}) {
  return new Ladder({ inputSize: IN, hidden: [3], classes: 2, labelledBatchSize: LABELLED, ...options },
    { generator: new sg.Generator(11) });
}

/** A batch (engine tensors) and the same data for the reference; `missing` indexes the labelled rows, then the rest. */
function makeBatch(r, missing = []) {
  const all = pixels(r, ROWS, IN, missing);
  const labels = [1, 0, 1];
  const batch = {
    x: sg.tensor(all.slice(LABELLED * IN), [UNLABELLED, IN]),
    labelled: { x: sg.tensor(all.slice(0, LABELLED * IN), [LABELLED, IN]), labels: sg.tensor(labels, [LABELLED]) },
  };
  const x = matrix(all, ROWS, IN);
  return { batch, xl: x.slice(0, LABELLED), xu: x.slice(LABELLED), labels };
}

/**
 * The noise the model will draw next: randn([rows, width_l], std) for l = 0..L, for the labelled rows' corrupted
 * pass and then for the unlabelled rows'.
 */
function peekNoise(model, std) {
  const copy = new sg.Generator(model.generator.seed);
  copy.setState(model.generator.getState());
  const draw = (rows) => WIDTHS.map((w) => sg.tidy(() => matrix(sg.randn([rows, w], copy, { std }).toArray(), rows, w)));
  return { labelled: draw(LABELLED), unlabelled: draw(UNLABELLED) };
}

const CASES = [
  ['ladder, every layer weighted', { lambdas: [2, 0.5, 0.3] }, []],
  ['ladder, the paper\'s multipliers', {}, []],
  ['ladder, missing inputs and class weights', { lambdas: [1.5, 0, 0.7], classWeights: [2, 0.5] }, [[0, 1], [5, 3], [5, 0], [6, 2]]],
  ['gamma', { kind: 'gamma', noise: 0.5 }, []],
];

for (const [what, options, missing] of CASES) {
  s(`${what}: training loss, every gradient and the running statistics match float64`, () => {
    const model = build(options);
    const { lambdas, noise: std, classWeights } = model.config;
    const r = rng(3);
    const p = setWeights(model, r);
    const { batch, xl, xu, labels } = makeBatch(r, missing);
    const noise = peekNoise(model, std);
    const got = sg.tidy(() => model.trainStep(batch));
    const data = { xl, xu, labels, noise, lambdas, classWeights };
    const want = ladderLoss(p, data);
    assertClose([got.loss, got.supervised, got.denoising], [want.loss, want.supervised, want.denoising],
      { atol: 1e-5, rtol: 1e-5, what: 'loss, supervised, denoising' });
    assert.ok(want.denoising > 0 && want.supervised > 0, 'both parts of the loss are in play');
    const names = model.module.namedParameters().map(([name]) => name);
    const frozen = want.clean.stats;
    const fd = finiteDifferences((q) => ladderLoss(q, data, frozen).loss, p, names);
    const grads = readGrads(model);
    for (const name of names) {
      // float32 rounding grows with the terms summed (λ_0 = 1000 makes gradients of thousands): atol follows the
      // parameter's largest gradient
      const scale = Math.max(...fd[name].map(Math.abs));
      assertClose(grads[name], fd[name], { atol: 5e-5 + 2e-5 * scale, rtol: 2e-4, what: name });
    }
    // running averages: 0.9 · old + 0.1 · the unlabelled rows' clean statistics (variance made unbiased)
    const after = readWeights(model);
    for (let l = 1; l < WIDTHS.length; l++) {
      const { mean, variance } = want.clean.stats[l];
      const m = p[`norms.${l}.runningMean`].map((v, j) => 0.9 * v + 0.1 * mean[j]);
      const v = p[`norms.${l}.runningVar`].map((o, j) => 0.9 * o + 0.1 * variance[j] * UNLABELLED / (UNLABELLED - 1));
      assertClose(after[`norms.${l}.runningMean`], m, { what: `norms.${l}.runningMean` });
      assertClose(after[`norms.${l}.runningVar`], v, { what: `norms.${l}.runningVar` });
    }
  });
}

s('the Γ-model has no decoder below the top; the paper\'s defaults', () => {
  const gamma = build({ kind: 'gamma' });
  const names = Object.keys(gamma.module.stateDict());
  assert.ok(!names.some((n) => n.startsWith('decoder.') || n.startsWith('combinators.0') || n.startsWith('combinators.1')));
  assert.ok(names.includes('combinators.2.a10'));
  assert.equal(gamma.config.lambdas, [0, 0, 1]);
  const full = new Ladder({ inputSize: 784 });
  assert.equal([full.config.hidden, full.config.lambdas, full.config.noise, full.config.lr],
    [[1000, 500, 250, 250, 250], [1000, 10, 0.1, 0.1, 0.1, 0.1, 0.1], 0.3, 0.002]);
  for (const m of [gamma, full]) {
    m.optimizers.adam.dispose();
    m.module.dispose();
  }
});

s('eval mode predicts with the running statistics: classify and evaluateBatch', () => {
  const model = build();
  const r = rng(9);
  const p = setWeights(model, r);
  const state = model.module.stateDict();
  for (let l = 1; l < WIDTHS.length; l++) {
    const v = Float32Array.from({ length: WIDTHS[l] }, () => r.uniform(0.3, 2));
    state[`norms.${l}.runningVar`].data.set(v);
    p[`norms.${l}.runningVar`] = Float64Array.from(v);
  }
  model.module.loadStateDict(state);
  const xs = pixels(r, 6, IN, [[2, 2]]);
  const ys = [0, 1, 1, 0, 1, 0];
  const x = matrix(xs, 6, IN).map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
  const logits = encode(p, x, 2, 'running').logits;
  const probs = logits.map((row) => {
    const e = row.map((v) => Math.exp(v - Math.max(...row)));
    return e.map((v) => v / (e[0] + e[1]));
  });
  // the batch statistics give other predictions, so this test tells the two apart
  const batchProbs = encode(p, x, 2, null).logits.map((row) => 1 / (1 + Math.exp(row[0] - row[1])));
  assert.ok(batchProbs.some((q, i) => Math.abs(q - probs[i][1]) > 0.05), 'running and batch statistics differ');
  model.module.eval();
  sg.tidy(() => sg.noGrad(() => {
    assertClose(model.classify(sg.tensor(xs, [6, IN])).toArray(), probs.flat(), { what: 'classify' });
    const sums = model.evaluateBatch({ x: sg.tensor(xs, [6, IN]), labels: sg.tensor(ys, [6]) });
    const error = ys.filter((y, i) => (probs[i][1] > probs[i][0] ? 1 : 0) !== y).length;
    const xent = -ys.reduce((a, y, i) => a + Math.log(probs[i][y]), 0);
    assertClose([sums.error, sums.cross_entropy], [error, xent], { what: 'error, cross_entropy' });
  }));
  const after = readWeights(model);
  assert.equal(after['norms.1.runningVar'], p['norms.1.runningVar'], 'eval mode leaves the running statistics alone');
});

s('the learning rate stays, then falls linearly to 0 between decayStart and decayEnd', () => {
  const model = build({ lr: 0.01, decayStart: 2, decayEnd: 5 });
  const r = rng(4);
  setWeights(model, r, 0.5);
  const used = [];
  for (let i = 0; i < 7; i++) {
    const before = readWeights(model)['encoder.1'];
    sg.tidy(() => model.trainStep(makeBatch(r).batch));
    used.push(model.optimizers.adam.lr);
    const moved = readWeights(model)['encoder.1'].some((v, j) => v !== before[j]);
    assert.is(moved, used[i] > 0, `step ${i}: weights move only while lr > 0`);
  }
  assertClose(used, [0.01, 0.01, 0.01, 0.01 * 2 / 3, 0.01 / 3, 0, 0], { atol: 1e-12, what: 'lr per step' });
});

/** n rows of 4 noisy class prototypes in 16 pixels, and their labels */
function clusters(r, prototypes, n) {
  const x = new Float32Array(n * 16);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 4;
    for (let j = 0; j < 16; j++) x[i * 16 + j] = Math.min(1, Math.max(0, prototypes[i % 4][j] + 0.25 * r.normal()));
  }
  return { x, y };
}

for (const kind of ['ladder', 'gamma']) {
  s(`${kind}: 150 steps with 8 labelled rows beat chance far on held-out rows`, () => {
    const r = rng(21);
    const prototypes = Array.from({ length: 4 }, () => Array.from({ length: 16 }, () => r.uniform(0, 1)));
    const labelled = clusters(r, prototypes, 8);
    const test = clusters(r, prototypes, 200);
    const model = new Ladder({ kind, inputSize: 16, hidden: [32, 16], classes: 4, labelledBatchSize: 8, lr: 0.01 },
      { generator: new sg.Generator(2) });
    const live = sg.liveTensors();
    for (let i = 0; i < 150; i++) {
      sg.tidy(() => model.trainStep({
        x: sg.tensor(clusters(r, prototypes, 32).x, [32, 16]),
        labelled: { x: sg.tensor(labelled.x, [8, 16]), labels: sg.tensor(labelled.y, [8]) },
      }));
    }
    assert.is(sg.liveTensors(), live, 'no tensor leaks from trainStep');
    model.module.eval();
    const { error } = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({
      x: sg.tensor(test.x, [200, 16]), labels: sg.tensor(test.y, [200]),
    })));
    assert.ok(error / 200 < 0.1, `held-out error ${error / 200} (chance 0.75)`);
    model.optimizers.adam.dispose();
    model.module.dispose();
  });
}

s("a likelihood on the input layer: a unit Gaussian's cost is ½ log 2π + ½ the squared error, per entry; Γ gets none", () => {
  const squared = build({ lambdas: [2, 0.5, 0.3] });
  const gaussian = build({ lambdas: [2, 0.5, 0.3], likelihood: 'gaussian' });
  const names = (m) => m.module.namedParameters().map(([n]) => n);
  assert.equal(names(gaussian).filter((n) => !names(squared).includes(n)), ['inputLikelihood.logvar']);
  // log(floor + e^logvar) = 0: a unit variance
  const logvar = gaussian.module.inputLikelihood.logvar;
  sg.fill_(logvar, Math.log(1 - 0.0025));
  const { batch } = makeBatch(rng(5));
  const cost = (m) => sg.tidy(() => m.terms(batch).layers[0].item());
  const mse = cost(squared);
  assertClose([cost(gaussian)], [0.5 * Math.log(2 * Math.PI) + 0.5 * mse], { atol: 1e-6, rtol: 1e-5 });
  const gamma = build({ kind: 'gamma', likelihood: 'gaussian' });
  assert.not.ok(names(gamma).some((n) => n.startsWith('inputLikelihood')), 'the Γ-model has no input-layer cost to model');
  assertThrows(() => build({ likelihood: { kind: 'gaussian', variance: 'predicted' } }), /ladder: a predicted variance needs a decoder layer/);
  for (const m of [squared, gaussian, gamma]) m.dispose();
});

s('bad configs, batches and arguments throw naming what is wrong', () => {
  assertThrows(() => build({ lambdas: [1, 2] }), /ladder: lambdas must hold 3 multipliers \(input, 1 hidden layers, top\), got 2/);
  assertThrows(() => build({ lambdas: [1, -2, 0] }), /ladder: lambdas must be >= 0/);
  assertThrows(() => build({ kind: 'gamma', lambdas: [1, 0, 1] }), /gamma: .* lambdas must be 0 below the top/);
  assertThrows(() => build({ noise: -0.1 }), /ladder: noise must be a number/);
  assertThrows(() => build({ decayStart: 5, decayEnd: 5 }), /ladder: decayStart \(5\) must come before decayEnd \(5\)/);
  assertThrows(() => build({ decayStart: 5 }), /ladder: decayStart needs a decayEnd/);
  assertThrows(() => build({ hidden: [0] }), /ladder: hidden must be an array of positive integers/);
  assertThrows(() => build({ kind: 'vae' }), /config is for kind 'vae'/);
  assertThrows(() => build({ noize: 0.3 }), /ladder: unknown config option noize/);
  const model = build();
  const r = rng(1);
  sg.tidy(() => {
    const { batch } = makeBatch(r);
    assertThrows(() => model.trainStep({ x: batch.x }), /ladder: the batch has no labelled part/);
    assertThrows(() => model.trainStep({ ...batch, x: sg.zeros([2, 5]) }), /ladder: batch.x must be \[rows, 4\], got \[2,5\]/);
    const badLabels = { x: batch.labelled.x, labels: sg.tensor([0, 2, 1], [3]) };
    assertThrows(() => model.trainStep({ ...batch, labelled: badLabels }), /ladder: label 2 of labelled row 1 is not a class of 0..1/);
    assertThrows(() => model.evaluateBatch({ x: batch.x }), /ladder: evaluateBatch needs batch.labels/);
    assertThrows(() => model.evaluateBatch({ x: batch.x, labels: sg.zeros([3]) }), /ladder: batch.labels has 3 entries for 4 rows/);
    assertThrows(() => model.classify(sg.zeros([2, 3])), /ladder.classify: x must be \[rows, 4\]/);
  });
});

s.run();
