// The semi-supervised GAN against a float64 reference (discriminator 3-3-2 + a 3-way head with weight norm and
// Gaussian noise, generator 2-4-3 with batch norm; known weights, the engine's own noise read back): the
// discriminator's loss and gradients, the generator's feature-matching loss (against the updated discriminator)
// and gradients, the batch norm's running statistics, the data-dependent initialisation, evaluation sums and a
// deterministic eval mode, a short run that beats chance, and bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { SSGAN } from '../../dist/src/models/ssgan.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { softplus } from '../reference/unary.js';
import {
  act, errorAndCrossEntropy, finiteDifferences, linear, matrix, mean, noisyPrototypes, peek, pixels, prototypeRunError,
  readGrads, readWeights, setWeights, sum,
} from './reference.js';

const s = suite('models: SS-GAN');
const IN = 3;
const NOISE = 2;
const HIDDEN = [3, 2];
const CLASSES = 3;
const M = 3; // labelled rows
const N = 4; // unlabelled rows (and fakes)
const W_UNSUP = 0.7;

function build(options = {}) {
  return new SSGAN({ inputSize: IN, classes: CLASSES, noiseSize: NOISE, generatorHidden: [4], discriminatorHidden: HIDDEN,
    inputNoise: 0.3, hiddenNoise: 0.5, unsupervisedWeight: W_UNSUP, labelledBatchSize: M, average: 0, ...options },
  { generator: new sg.Generator(13) });
}

/** known weights, with the initialisation flag set (so trainStep does not re-initialise) */
function known(model, r) {
  const p = setWeights(model, r);
  const state = model.module.stateDict();
  state.initialized.data[0] = 1;
  for (const name of Object.keys(state)) if (name.endsWith('runningVar')) state[name].data.fill(1.5);
  model.module.loadStateDict(state);
  return readWeights(model);
}

// ---- float64 reference ----------------------------------------------------------------------------------

/** the weight-normalised W of layer `prefix`, [in, out] flat: v · g / ||v|| per column */
function wnWeight(p, prefix) {
  const v = p[`${prefix}.direction`];
  const g = p[`${prefix}.scale`];
  const out = g.length;
  const norms = new Float64Array(out);
  for (let i = 0; i < v.length; i++) norms[i % out] += v[i] * v[i];
  return v.map((x, i) => (x * g[i % out]) / Math.sqrt(norms[i % out]));
}
const wn = (p, prefix, x, f = act.none) => linear(x, wnWeight(p, prefix), p[`${prefix}.bias`], f);
const plus = (a, b) => a.map((row, i) => row.map((v, j) => v + b[i][j]));

/** D's last hidden features and (with `noise.head`) logits; noise: {input, hidden: [per layer]} or null */
function discriminate(p, x, noise) {
  let h = noise ? plus(x, noise.input) : x;
  for (let i = 0; i < HIDDEN.length; i++) {
    const out = wn(p, `discriminator.layers.${i}`, h, act.relu);
    if (i === HIDDEN.length - 1) {
      const logits = noise && !noise.head ? null : wn(p, 'discriminator.head', noise ? plus(out, noise.hidden[i]) : out);
      return { features: out, logits };
    }
    h = noise ? plus(out, noise.hidden[i]) : out;
  }
  throw new Error('unreachable');
}

/** G(z) in training mode (batch statistics); also returns the batch mean and biased variance of the layer */
function generate(p, z) {
  const a = linear(z, p['generator.layers.0.weight'], new Float64Array(4));
  const rows = a.length;
  const m = a[0].map((_, j) => mean(a.map((row) => row[j])));
  const v = a[0].map((_, j) => mean(a.map((row) => (row[j] - m[j]) ** 2)));
  const h = a.map((row) => row.map((x, j) => softplus((x - m[j]) / Math.sqrt(v[j] + 1e-5) + p['generator.norms.0.beta'][j])));
  return { images: wn(p, 'generator.output', h, act.sigmoid), mean: m, variance: v, rows };
}

const lse = (row) => {
  const mx = Math.max(...row);
  return mx + Math.log(sum(row.map((v) => Math.exp(v - mx))));
};
const ce = (row, y) => lse(row) - row[y];

function dLoss(p, xl, yl, xu, fake, noise) {
  const { logits } = discriminate(p, [...xl, ...xu, ...fake], noise);
  const supervised = mean(xl.map((_, i) => ce(logits[i], yl[i])));
  let unsup = 0;
  for (let i = 0; i < N; i++) {
    const real = lse(logits[M + i]);
    unsup += softplus(real) - real + softplus(lse(logits[M + N + i]));
  }
  return { supervised, unsupervised: (W_UNSUP * unsup) / N };
}

function gLoss(p, xu, z, noiseReal, noiseFake) {
  const real = discriminate(p, xu, noiseReal).features;
  const fake = discriminate(p, generate(p, z).images, noiseFake).features;
  const cols = real[0].length;
  const d = Array.from({ length: cols }, (_, j) => mean(real.map((r) => r[j])) - mean(fake.map((r) => r[j])));
  return mean(d.map((v) => v * v));
}

// ---- the engine's noise, in the order trainStep draws it ---------------------------------------------------

function nextDraw(copy, shape, draw) {
  const t = draw(copy, shape);
  const values = matrix(t.toArray(), shape[0], shape[1]);
  t.dispose();
  return values;
}
const normal = (std) => (g, shape) => sg.randn(shape, g, { std });
const uniform01 = (g, shape) => sg.rand(shape, g);

/** D's noise for `rows` rows: input, then hidden layers (the last one only with the head) */
function dNoise(copy, rows, head) {
  const input = nextDraw(copy, [rows, IN], normal(0.3));
  const layers = head ? HIDDEN : HIDDEN.slice(0, -1);
  return { input, hidden: layers.map((h) => nextDraw(copy, [rows, h], normal(0.5))), head };
}

s('one step: D loss and gradients, then the feature-matching G loss against the updated D and its gradients', () => {
  const model = build();
  const r = rng(71);
  const p = known(model, r);
  const xlFlat = pixels(r, M, IN);
  const xuFlat = pixels(r, N, IN);
  const yl = [2, 0, 1];
  const xl = matrix(xlFlat, M, IN);
  const xu = matrix(xuFlat, N, IN);
  const { values: z1, generator: copy } = peek(model, N, NOISE, (g) => sg.rand([N, NOISE], g));
  const noiseD = dNoise(copy, M + 2 * N, true);
  const noiseReal = dNoise(copy, N, false);
  const z2 = nextDraw(copy, [N, NOISE], uniform01);
  const noiseFake = dNoise(copy, N, false);
  const fake1 = generate(p, z1).images;

  const got = sg.tidy(() => model.trainStep({
    x: sg.tensor(xuFlat, [N, IN]),
    labelled: { x: sg.tensor(xlFlat, [M, IN]), labels: sg.tensor(Float32Array.from(yl), [M]) },
  }));
  const want = dLoss(p, xl, yl, xu, fake1, noiseD);
  assertClose([got.supervised, got.unsupervised, got.d_loss], [want.supervised, want.unsupervised,
    want.supervised + want.unsupervised], { atol: 1e-5, rtol: 1e-5, what: 'supervised, unsupervised, d_loss' });
  const grads = readGrads(model);
  const names = Object.keys(grads);
  const dNames = names.filter((n) => n.startsWith('discriminator.'));
  const gNames = names.filter((n) => n.startsWith('generator.'));
  // the hidden layers' lengths are fixed (buffers); the head's is learned
  assert.equal(dNames.filter((n) => n.endsWith('.scale')), ['discriminator.head.scale']);
  assert.equal(gNames, ['generator.layers.0.weight', 'generator.norms.0.beta', 'generator.output.direction',
    'generator.output.scale', 'generator.output.bias']);
  const dObjective = (q) => {
    const l = dLoss(q, xl, yl, xu, fake1, noiseD);
    return l.supervised + l.unsupervised;
  };
  const wantD = finiteDifferences(dObjective, p, dNames);
  for (const name of dNames) assertClose(grads[name], wantD[name], { atol: 2e-5, rtol: 1e-4, what: name });

  const after = readWeights(model);
  const mixed = { ...p };
  for (const name of Object.keys(p)) if (name.startsWith('discriminator.')) mixed[name] = after[name];
  const gObjective = (q) => gLoss(q, xu, z2, noiseReal, noiseFake);
  assertClose([got.g_loss], [gObjective(mixed)], { atol: 1e-6, rtol: 1e-5, what: 'g_loss' });
  const wantG = finiteDifferences(gObjective, mixed, gNames);
  for (const name of gNames) assertClose(grads[name], wantG[name], { atol: 2e-5, rtol: 1e-4, what: name });
  for (const name of [...dNames, ...gNames]) assert.ok(after[name].some((v, i) => v !== p[name][i]), `${name} was updated`);
  assert.is(model.module.parameters().length, dNames.length + gNames.length, 'every parameter requires gradients again');

  // the batch norm's running statistics followed both generator passes (momentum 0.1, unbiased variance)
  let rm = p['generator.norms.0.runningMean'];
  let rv = p['generator.norms.0.runningVar'];
  for (const z of [z1, z2]) {
    const g = generate(p, z);
    rm = rm.map((v, j) => 0.9 * v + 0.1 * g.mean[j]);
    rv = rv.map((v, j) => 0.9 * v + (0.1 * g.variance[j] * g.rows) / (g.rows - 1));
  }
  assertClose(after['generator.norms.0.runningMean'], rm, { atol: 1e-6, rtol: 1e-5, what: 'runningMean' });
  assertClose(after['generator.norms.0.runningVar'], rv, { atol: 1e-6, rtol: 1e-5, what: 'runningVar' });
});

s('the first step initialises the discriminator from its batch: unit-variance, zero-mean pre-activations', () => {
  const model = build();
  const r = rng(72);
  const xuFlat = pixels(r, N, IN);
  const before = readWeights(model);
  assert.is(before.initialized[0], 0);
  const { generator: copy } = peek(model, 1, 1, (g) => sg.zeros([1, 1]));
  const noise = dNoise(copy, N, true);
  sg.tidy(() => model.module.discriminator.initFromData(sg.tensor(xuFlat, [N, IN])));
  const p = readWeights(model);
  // the directions are kept; the lengths and biases make each layer's pre-activations standard on this batch
  for (const name of Object.keys(p)) if (name.endsWith('direction')) assert.equal(p[name], before[name], name);
  let h = plus(matrix(xuFlat, N, IN), noise.input);
  const prefixes = [...HIDDEN.map((_, i) => `discriminator.layers.${i}`), 'discriminator.head'];
  prefixes.forEach((prefix, k) => {
    const pre = wn(p, prefix, h);
    for (let j = 0; j < pre[0].length; j++) {
      const col = pre.map((row) => row[j]);
      const m = mean(col);
      assertClose([m, Math.sqrt(mean(col.map((v) => (v - m) ** 2)))], [0, 1], { atol: 1e-4, what: `${prefix} unit ${j}` });
    }
    if (k < HIDDEN.length) h = plus(pre.map((row) => row.map(act.relu)), noise.hidden[k]);
  });
  // through trainStep: done once, recorded in the state
  const fresh = build();
  const batch = () => ({ x: sg.tensor(xuFlat, [N, IN]),
    labelled: { x: sg.tensor(pixels(r, M, IN), [M, IN]), labels: sg.tensor([0, 1, 2], [M]) } });
  sg.tidy(() => fresh.trainStep(batch()));
  const once = readWeights(fresh);
  assert.is(once.initialized[0], 1);
  assert.ok(once['discriminator.layers.0.scale'].some((v) => v !== 1), 'the hidden lengths were set');
  sg.tidy(() => fresh.trainStep(batch()));
  assert.equal(readWeights(fresh)['discriminator.layers.0.scale'], once['discriminator.layers.0.scale'], 'not again');
});

s('evaluateBatch: error and cross-entropy of the noiseless logits over labelled rows; eval mode is deterministic', () => {
  const model = build();
  const r = rng(73);
  const p = known(model, r);
  const rows = 6;
  const xs = pixels(r, rows, IN);
  const labels = [0, NaN, 2, 1, 1, NaN];
  const logits = discriminate(p, matrix(xs, rows, IN), null).logits;
  const { error, xent } = errorAndCrossEntropy(logits, labels);
  model.module.eval();
  const evaluate = () => sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [rows, IN]),
    labels: sg.tensor(Float32Array.from(labels), [rows]) })));
  const got = evaluate();
  assert.is(got.error, error);
  assertClose([got.cross_entropy], [xent], { atol: 1e-5, rtol: 1e-5, what: 'cross_entropy' });
  assert.equal(evaluate(), got, 'the same again');
  const probs = sg.tidy(() => sg.noGrad(() => model.classify(sg.tensor(xs, [rows, IN])).toArray()));
  const want = logits.flatMap((row) => row.map((v) => Math.exp(v - lse(row))));
  assertClose(probs, want, { what: 'classify' });
  // training mode adds noise: the probabilities change from call to call
  model.module.train();
  const noisy = sg.tidy(() => sg.noGrad(() => model.classify(sg.tensor(xs, [rows, IN])).toArray()));
  assert.ok(noisy.some((v, i) => Math.abs(v - probs[i]) > 1e-4), 'noise in training mode');
  // samples in eval mode use the running statistics
  model.module.eval();
  sg.tidy(() => sg.noGrad(() => {
    const { values: z } = peek(model, 2, NOISE, (g) => sg.rand([2, NOISE], g));
    const rm = p['generator.norms.0.runningMean'];
    const a = linear(z, p['generator.layers.0.weight'], new Float64Array(4));
    const h = a.map((row) => row.map((x, j) => softplus((x - rm[j]) / Math.sqrt(1.5 + 1e-5) + p['generator.norms.0.beta'][j])));
    assertClose(model.sample(2).toArray(), wn(p, 'generator.output', h, act.sigmoid).flat(), { what: 'sample' });
  }));
});

s('a short run on three noisy prototypes with two labels each classifies held-out rows well above chance', () => {
  const PIX = 16;
  const r = rng(74);
  const data = noisyPrototypes(r, PIX);
  const model = new SSGAN({ inputSize: PIX, classes: 3, noiseSize: 4, generatorHidden: [16], discriminatorHidden: [16, 8],
    labelledBatchSize: 6, lr: 3e-3, average: 0.9 }, { generator: new sg.Generator(3) });
  const lab = data.draw(60);
  const xl = new Float32Array(6 * PIX);
  const yl = new Float32Array(6);
  let k = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0, taken = 0; taken < 2; i++) {
      if (lab.y[i] !== c) continue;
      xl.set(lab.x.subarray(i * PIX, (i + 1) * PIX), k * PIX);
      yl[k++] = c;
      taken++;
    }
  }
  const error = prototypeRunError(model, data, xl, yl);
  assert.ok(error < 0.2, `test error ${error} (chance 0.67)`);
});

s('the moving average of the discriminator follows each D step and classifies', () => {
  const DECAY = 0.8;
  const model = build({ average: DECAY });
  const r = rng(76);
  const p = known(model, r);
  const names = Object.keys(p).filter((n) => n.startsWith('average.'));
  assert.equal(names.length, Object.keys(p).filter((n) => n.startsWith('discriminator.')).length);
  assert.ok(names.includes('average.layers.0.scale') && names.includes('average.head.direction'));
  assert.ok(model.module.parameters().every((t) => !model.module.average.namedTensors().some(([, a]) => a === t)),
    'the average holds buffers only');
  sg.tidy(() => model.trainStep({ x: sg.tensor(pixels(r, N, IN), [N, IN]),
    labelled: { x: sg.tensor(pixels(r, M, IN), [M, IN]), labels: sg.tensor([0, 1, 2], [M]) } }));
  const after = readWeights(model);
  for (const name of names) {
    const own = after[name.replace('average.', 'discriminator.')];
    assertClose(after[name], p[name].map((v, i) => DECAY * v + (1 - DECAY) * own[i]), { atol: 1e-6, rtol: 1e-5, what: name });
  }
  // evaluation and classification read the average
  const xs = pixels(r, 4, IN);
  const averaged = {};
  for (const name of names) averaged[name.replace('average.', 'discriminator.')] = after[name];
  const logits = discriminate(averaged, matrix(xs, 4, IN), null).logits;
  model.module.eval();
  const probs = sg.tidy(() => sg.noGrad(() => model.classify(sg.tensor(xs, [4, IN])).toArray()));
  assertClose(probs, logits.flatMap((row) => row.map((v) => Math.exp(v - lse(row)))), { what: 'classify from the average' });
  // a fresh model's first step copies the initialised discriminator into the average, then averages
  const fresh = build({ average: DECAY });
  sg.tidy(() => fresh.trainStep({ x: sg.tensor(pixels(r, N, IN), [N, IN]),
    labelled: { x: sg.tensor(pixels(r, M, IN), [M, IN]), labels: sg.tensor([0, 1, 2], [M]) } }));
  const w = readWeights(fresh);
  assert.equal(w['average.layers.1.scale'], w['discriminator.layers.1.scale'], 'the initialised lengths were copied');
});

s('bad configs, batches and arguments throw naming what is wrong', () => {
  assertThrows(() => new SSGAN({ inputSize: 3, discriminatorHidden: [] }), /ssgan: discriminatorHidden must list at least one/);
  assertThrows(() => new SSGAN({ inputSize: 3, hiddenNoise: -0.5 }), /ssgan: hiddenNoise must be a number in \[0, Infinity\)/);
  assertThrows(() => new SSGAN({ inputSize: 3, lr: 0 }), /ssgan: lr must be a number in \(0, 1\]/);
  assertThrows(() => new SSGAN({ inputSize: 3, classes: 1 }), /ssgan: classes must be an integer >= 2/);
  assertThrows(() => new SSGAN({ inputSize: 3, classes: 3, classWeights: [1, 2] }), /ssgan: classWeights has 2 entries for 3 classes/);
  assertThrows(() => new SSGAN({ inputSize: 3, unsupervisedWeight: NaN }), /ssgan: unsupervisedWeight/);
  assertThrows(() => new SSGAN({ inputSize: 3, average: 1 }), /ssgan: average must be a number in \[0, 1\)/);
  assertThrows(() => new SSGAN({ inputSize: 3, eps: 0 }), /ssgan: eps must be a number in \(0, 1\]/);
  assertThrows(() => new SSGAN({ inputSize: 3, dropout: 0.1 }), /ssgan: unknown config option dropout/);
  assertThrows(() => new SSGAN({ inputSize: 3 }, { generator: 5 }), /ssgan: generator must be a Generator/);
  const model = build();
  sg.tidy(() => {
    const labelled = { x: sg.zeros([M, IN]), labels: sg.tensor([0, 1, 2], [M]) };
    assertThrows(() => model.trainStep({ x: sg.zeros([N, IN]) }), /ssgan: the batch has no labelled part/);
    assertThrows(() => model.trainStep({ x: sg.zeros([N, 4]), labelled }), /ssgan: batch.x must be \[rows, 3\], got \[4,4\]/);
    assertThrows(() => model.trainStep({ x: sg.zeros([N, IN]), labelled: { x: sg.zeros([M, 2]), labels: labelled.labels } }),
      /ssgan: batch.labelled.x must be \[rows, 3\]/);
    assertThrows(() => model.trainStep({ x: sg.zeros([N, IN]), labelled: { x: labelled.x, labels: sg.tensor([0, 1], [2]) } }),
      /ssgan: batch.labelled.labels has 2 entries for 3 rows/);
    assertThrows(() => model.trainStep({ x: sg.zeros([1, IN]), labelled }), /ssgan: the first batch initialises the discriminator and needs at least 2 rows/);
    known(model, rng(75));
    assertThrows(() => model.trainStep({ x: sg.zeros([N, IN]), labelled: { x: labelled.x, labels: sg.tensor([0, 3, 1], [M]) } }),
      /ssgan: label 3 of labelled row 1 is not a class of 0..2/);
    assertThrows(() => model.evaluateBatch({ x: sg.zeros([2, IN]) }), /ssgan: evaluateBatch needs batch.labels/);
    assertThrows(() => model.evaluateBatch({ x: sg.zeros([2, IN]), labels: sg.zeros([3]) }), /ssgan: batch.labels has 3 entries for 2 rows/);
    assertThrows(() => model.classify(sg.zeros([2, 4])), /ssgan.classify: x must be \[rows, 3\]/);
    assertThrows(() => model.decode(sg.zeros([2, 3])), /ssgan.decode: z must be \[rows, 2\]/);
    assertThrows(() => model.sample(0), /ssgan.sample: n must be a positive integer/);
  });
});

s.run();
