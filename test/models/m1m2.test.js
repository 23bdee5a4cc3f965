// M1+M2 against float64 references: stage 1 is M1's VAE step (loss and gradients, M2 untouched; the KL warm-up);
// stage 2 is M2 with a Gaussian p(z1|y,z2) on samples z1 of the frozen M1 encoder, over the z1 dimensions whose
// posterior mean varies over the first stage-2 batch (the whole loss and M2's gradients, M1 untouched); the step
// counter and that mask are module buffers, so a model rebuilt from a checkpoint continues in the same stage
// exactly; classify; a short run that beats chance; bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { M1M2 } from '../../dist/src/models/m1m2.js';
import { binarizeSample } from '../../dist/src/models/m1.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { bceRow, finiteDifferences, klRow, linear, matrix, mean, mlp, pixels, readGrads, setWeights } from './reference.js';
import { ACTIVATIONS, logq, m2Reference, syntheticClasses, syntheticRunError } from './m2_reference.js';

const s = suite('models: M1+M2');
const IN = 5;
const Z1 = 3;
const K = 3;
const NL = 3;
const NU = 2;

function build(options = {}) {
  return new M1M2({
    inputSize: IN, m1Hidden: [4], m1Latent: Z1, m1Steps: 2, classes: K, latent: 2, classifierHidden: [3],
    encoderHidden: [4], decoderHidden: [3], activation: 'tanh', alpha: 2, labelledBatchSize: NL, ...options,
  }, { generator: new sg.Generator(17) });
}

/** the M1 posterior of rows (softplus network, NaN pixels zeroed) */
function posterior(p, x) {
  const f = ACTIVATIONS.softplus;
  const h = mlp(p, 'm1.encoder', 1, x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v))), f, f);
  return { mu: linear(h, p['m1.mu.weight'], p['m1.mu.bias']), lv: linear(h, p['m1.logvar.weight'], p['m1.logvar.bias']) };
}

/** a generator in the same state as the model's: it makes the model's next draws */
function twinGenerator(model) {
  const g = new sg.Generator(model.generator.seed);
  g.setState(model.generator.getState());
  return g;
}

/** the next `shapes` draws of N(0, 1) from the model's generator, in order, as row matrices */
function draws(model, shapes) {
  const g = twinGenerator(model);
  return shapes.map(([rows, cols]) => {
    const t = sg.randn([rows, cols], g);
    const v = matrix(t.toArray(), rows, cols);
    t.dispose();
    return v;
  });
}

/** the labelled rows' share of the data the steps below claim: M2's labelled bound is weighed by it */
const SHARE = 0.1;

function step(model, xs, ls, labels) {
  return sg.tidy(() => model.trainStep({
    x: sg.tensor(xs, [NU, IN]), labelled: { x: sg.tensor(ls, [NL, IN]), labels: sg.tensor(labels, [NL]), share: SHARE },
  }));
}

/**
 * Random weights (returned as float64) with z1 dimension 1 all but constant (its mean's weights and bias near 0,
 * so M2 is to leave it out) and the others' weights 4x larger (their means vary), at step 0, every dimension active.
 */
function weightsWithInactiveDim(model, r) {
  const p = setWeights(model, r, 0.8);
  for (let i = 0; i < p['m1.mu.weight'].length; i++) p['m1.mu.weight'][i] *= i % Z1 === 1 ? 0.01 : 4;
  p['m1.mu.bias'][1] *= 0.01;
  model.module.loadStateDict({
    ...model.module.stateDict(), steps: { shape: [1], data: new Float32Array([0]) },
    active: { shape: [1, Z1], data: new Float32Array(Z1).fill(1) },
    'm1.mu.weight': { shape: [4, Z1], data: Float32Array.from(p['m1.mu.weight']) },
    'm1.mu.bias': { shape: [Z1], data: Float32Array.from(p['m1.mu.bias']) },
  });
  return p;
}

s('stage 1 trains M1 alone, stage 2 M2 alone on the active z1 dimensions with a Gaussian likelihood; both match float64', () => {
  const model = build();
  const r = rng(12);
  const p = weightsWithInactiveDim(model, r);
  const names = Object.keys(p).filter((n) => n !== 'steps' && n !== 'active');
  const xs = pixels(r, NU, IN, [[1, 1]]);
  const ls = pixels(r, NL, IN);
  const labels = [0, 2, 1];
  // ---- stage 1: M1's −ELBO on batch.x ----
  const [eps1] = draws(model, [[NU, Z1]]);
  const x = matrix(xs, NU, IN);
  const m1Loss = (q) => {
    const { mu, lv } = posterior(q, x);
    const z = mu.map((row, i) => row.map((m, j) => m + eps1[i][j] * Math.exp(lv[i][j] / 2)));
    const logits = mlp(q, 'm1.decoder', 2, z, ACTIVATIONS.softplus);
    return mean(logits.map((l, i) => bceRow(l, x[i]) + klRow(mu[i], lv[i])));
  };
  const m1 = step(model, xs, ls, labels);
  assert.is(m1.stage, 1);
  assertClose([m1.loss], [m1Loss(p)], { atol: 1e-5, rtol: 1e-5, what: 'stage 1 loss' });
  const g1 = readGrads(model);
  const fd1 = finiteDifferences(m1Loss, p, names.filter((n) => n.startsWith('m1.')));
  for (const name of names) {
    if (name.startsWith('m1.')) assertClose(g1[name], fd1[name], { atol: 3e-5, rtol: 1e-4, what: name });
    else assert.ok(g1[name].every((v) => v === 0), `${name}: no gradient in stage 1`);
  }
  // ---- stage 2, after one more M1 step: M2 on z1 ~ q(z1|x) ----
  step(model, xs, ls, labels);
  assert.is(model.stepsTaken, 2);
  const q = Object.fromEntries(Object.entries(model.module.stateDict()).map(([k, v]) => [k, Float64Array.from(v.data)]));
  const [e1l, e1u, e2] = draws(model, [[NL, Z1], [NU, Z1], [NL + K * NU, 2]]);
  const [e2l, e2u] = [e2.slice(0, NL), e2.slice(NL)];
  // active: the posterior mean's std over the batch's rows, then the labelled rows, above activeThreshold (0.1)
  const muBatch = posterior(q, [...x, ...matrix(ls, NL, IN)]).mu;
  const active = Array.from({ length: Z1 }, (_, j) => {
    const col = muBatch.map((row) => row[j]);
    const m = mean(col);
    return Math.sqrt(mean(col.map((v) => (v - m) ** 2))) > 0.1 ? 1 : 0;
  });
  assert.equal(active, [1, 0, 1], 'z1 dimension 1 inactive, the others active');
  const sampleZ1 = (rows, eps) => {
    const { mu, lv } = posterior(q, rows);
    return mu.map((row, i) => row.map((m, j) => active[j] * (m + eps[i][j] * Math.exp(lv[i][j] / 2))));
  };
  const spec = {
    ...model.config, likelihood: 'gaussian', x: sampleZ1(matrix(ls, NL, IN), e1l), labels, xu: sampleZ1(x, e1u),
    eps: { labelled: e2l, unlabelled: e2u }, active, share: SHARE,
  };
  // M2's parameters under the engine's names, read through the reference's plain ones
  const m2Params = (params) => Object.fromEntries(Object.entries(params).filter(([k]) => k.startsWith('m2.')).map(([k, v]) => [k.slice(3), v]));
  const m2 = step(model, xs, ls, labels);
  assert.is(m2.stage, 2);
  assert.is(model.activeDims, 2);
  const want = m2Reference(m2Params(q), spec);
  assertClose([m2.loss, m2.labelled_bound, m2.unlabelled_bound, m2.cross_entropy],
    [want.loss, want.labelled, want.unlabelled, want.crossEntropy], { atol: 1e-5, rtol: 1e-5, what: 'stage 2 parts' });
  const g2 = readGrads(model);
  const fd2 = finiteDifferences((w) => m2Reference(m2Params(w), spec).loss, q, names.filter((n) => n.startsWith('m2.')));
  for (const name of names) {
    if (name.startsWith('m2.')) assertClose(g2[name], fd2[name], { atol: 5e-5, rtol: 2e-4, what: name });
  }
  const after = model.module.stateDict();
  for (const name of names.filter((n) => n.startsWith('m1.'))) assert.equal(after[name].data, Float32Array.from(q[name]), `${name} frozen`);
  // classify: M2's q(y|z1) at the M1 mean, with the weights after the step
  const w = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Float64Array.from(v.data)]));
  const mu = posterior(w, matrix(ls, NL, IN)).mu.map((row) => row.map((m, j) => active[j] * m));
  sg.tidy(() => assertClose(model.classify(sg.tensor(ls, [NL, IN])).toArray(),
    logq(m2Params(w), spec, mu).flat().map(Math.exp), { atol: 1e-6, rtol: 1e-5, what: 'classify' }));
  sg.disposeModel(model);
});

s('a model rebuilt from a checkpoint in either stage continues exactly (the step counter and mask are buffers)', () => {
  for (const at of [1, 3]) {
    const r = rng(30 + at);
    const a = build();
    weightsWithInactiveDim(a, r);
    const xs = pixels(r, NU, IN);
    const ls = pixels(r, NL, IN);
    for (let i = 0; i < at; i++) step(a, xs, ls, [0, 1, 2]);
    assert.is(a.activeDims, at < 3 ? Z1 : Z1 - 1);
    const b = sg.createModel(JSON.parse(JSON.stringify(a.config)), { generator: new sg.Generator(1) });
    b.module.loadStateDict(a.module.stateDict());
    for (const [k, o] of Object.entries(a.optimizers)) b.optimizers[k].setState(o.getState());
    b.generator.setState(a.generator.getState());
    assert.is(b.stepsTaken, at);
    assert.is(b.activeDims, a.activeDims);
    assert.equal(step(b, xs, ls, [2, 1, 0]), step(a, xs, ls, [2, 1, 0]));
    for (const [name, e] of Object.entries(a.module.stateDict())) assert.equal(b.module.stateDict()[name].data, e.data, name);
    sg.disposeModel(a);
    sg.disposeModel(b);
  }
});

s('a short run (100 M1 steps, then 200 M2 steps) on three noisy prototypes beats chance', () => {
  const r = rng(23);
  const data = syntheticClasses(r, 300, 150);
  const model = new M1M2({
    inputSize: data.features, m1Hidden: [32], m1Latent: 6, m1Steps: 100, m1Lr: 3e-3, classes: 3, latent: 2,
    classifierHidden: [32], encoderHidden: [32], decoderHidden: [32], labelledBatchSize: 6, lr: 3e-3,
  }, { generator: new sg.Generator(8) });
  const error = syntheticRunError(model, r, data, [0, 1, 2, 3, 4, 5], 300);
  assert.ok(error < 0.2, `test error ${error} (chance: 0.67)`);
  sg.disposeModel(model);
});

s('binarizeSample: pixel i is 1 exactly where x_i > u_i for the uniform draw u, NaN stays NaN', () => {
  const r = rng(5);
  const rows = 40;
  const x = pixels(r, rows, IN, [[3, 2]]);
  x[0] = 0;
  x[1] = 1;
  const g = new sg.Generator(9);
  const twin = new sg.Generator(9);
  const bits = sg.tidy(() => binarizeSample(sg.tensor(x, [rows, IN]), g).toArray());
  const u = sg.tidy(() => sg.rand([rows, IN], twin).toArray());
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) assert.ok(Number.isNaN(bits[i]), `entry ${i}: NaN kept`);
    else assert.is(bits[i], x[i] > u[i] ? 1 : 0, `entry ${i}: x ${x[i]}, u ${u[i]}`);
  }
  assert.is(bits[0], 0, 'a 0 pixel is always 0');
  assert.is(bits[1], 1, 'a 1 pixel is always 1');
  assert.equal(g.getState(), twin.getState(), 'one uniform draw per entry');
});

s("m1Inputs 'binarized': stage 1 is M1's −ELBO on a fresh binary draw of batch.x (float64)", () => {
  const model = build({ m1Inputs: 'binarized' });
  const r = rng(13);
  const p = setWeights(model, r, 0.8);
  const xs = pixels(r, NU, IN);
  const ls = pixels(r, NL, IN);
  const g = twinGenerator(model);
  const u = sg.tidy(() => matrix(sg.rand([NU, IN], g).toArray(), NU, IN));
  const eps = sg.tidy(() => matrix(sg.randn([NU, Z1], g).toArray(), NU, Z1));
  const xb = matrix(xs, NU, IN).map((row, i) => row.map((v, j) => (v > u[i][j] ? 1 : 0)));
  assert.ok(xb.flat().some((v, k) => v !== xs[k]), 'the draw differs from the grey levels');
  const { mu, lv } = posterior(p, xb);
  const z = mu.map((row, i) => row.map((m, j) => m + eps[i][j] * Math.exp(lv[i][j] / 2)));
  const logits = mlp(p, 'm1.decoder', 2, z, ACTIVATIONS.softplus);
  const expected = mean(logits.map((l, i) => bceRow(l, xb[i]) + klRow(mu[i], lv[i])));
  const out = step(model, xs, ls, [0, 2, 1]);
  assert.is(out.stage, 1);
  assertClose([out.loss], [expected], { atol: 1e-5, rtol: 1e-5, what: 'stage 1 loss on the binary draw' });
  sg.disposeModel(model);
});

s('m1KlWarmup: the KL weight of stage 1 rises linearly over that fraction of m1Steps, then stays 1 (float64)', () => {
  // m1Steps 8, warm-up 0.5: steps 0, 1, 2, ... weigh KL by 0, 1/4, 2/4, ...; the weights are reloaded each step so
  // the reference sees the same network
  const model = build({ m1Steps: 8, m1KlWarmup: 0.5 });
  const r = rng(14);
  const p = setWeights(model, r, 0.8);
  const state = model.module.stateDict();
  const xs = pixels(r, NU, IN);
  const ls = pixels(r, NL, IN);
  const x = matrix(xs, NU, IN);
  for (const at of [0, 1, 3, 4, 6]) {
    model.module.loadStateDict({ ...state, steps: { shape: [1], data: new Float32Array([at]) } });
    const [eps] = draws(model, [[NU, Z1]]);
    const { mu, lv } = posterior(p, x);
    const z = mu.map((row, i) => row.map((m, j) => m + eps[i][j] * Math.exp(lv[i][j] / 2)));
    const logits = mlp(p, 'm1.decoder', 2, z, ACTIVATIONS.softplus);
    const weight = Math.min(1, at / 4);
    const expected = mean(logits.map((l, i) => bceRow(l, x[i]) + weight * klRow(mu[i], lv[i])));
    const out = step(model, xs, ls, [0, 2, 1]);
    assert.is(out.stage, 1);
    assert.is(out.kl_weight, weight);
    assertClose([out.loss], [expected], { atol: 1e-5, rtol: 1e-5, what: `stage 1 loss at step ${at}` });
  }
  assertThrows(() => build({ m1KlWarmup: 1.5 }), /m1m2: m1KlWarmup must be a number in \[0, 1\], got 1.5/);
  sg.disposeModel(model);
});

s('bad configs, batches and arguments throw naming what is wrong', () => {
  assertThrows(() => new M1M2({ inputSize: 4, m1Hidden: [] }), /m1m2: m1Hidden must list at least one layer size/);
  assertThrows(() => new M1M2({ inputSize: 4, m1Steps: -1 }), /m1m2: m1Steps must be an integer >= 0/);
  assertThrows(() => new M1M2({ inputSize: 4, m1Activation: 'x' }), /m1m2: m1Activation must be one of/);
  assertThrows(() => new M1M2({ inputSize: 4, m1Inputs: 'binary' }), /m1m2: m1Inputs must be one of grey, binarized/);
  assertThrows(() => new M1M2({ inputSize: 4, encoderHidden: [] }), /m2: encoderHidden and decoderHidden/);
  assertThrows(() => new M1M2({ inputSize: 4, m1Stpes: 3 }), /m1m2: unknown config option m1Stpes/);
  const model = build({ m1Steps: 0 });
  sg.tidy(() => {
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]) }), /m1m2: the batch has no labelled part/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, 3]) }), /m1m2: batch.x must be \[rows, 5\]/);
    assertThrows(() => model.classify(sg.zeros([1, 4])), /m1m2.classify: x must be \[rows, 5\]/);
  });
  sg.disposeModel(model);
});

s.run();
