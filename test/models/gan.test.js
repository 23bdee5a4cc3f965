// The GAN against a float64 reference (generator 2-4-3, discriminator 3-3-1 with dropout, known weights, the
// engine's own noise and dropout masks read back): the discriminator's loss and gradients of its step, the
// generator's loss (against the updated discriminator) and gradients of its step, the moving average of the
// generator, evaluation sums, sample/decode from the average, bad configs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { GAN } from '../../dist/src/models/gan.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { softplus } from '../reference/unary.js';
import {
  act, finiteDifferences, linear, matrix, mean, mlp, peek, pixels, readGrads, readWeights, setWeights, sum,
} from './reference.js';

const s = suite('models: GAN');
const ROWS = 5;
const IN = 3;
const NOISE = 2;

const HIDDEN = 3;
const DROPOUT = 0.25;
const DECAY = 0.9;

function build(options = {}) {
  return new GAN({ inputSize: IN, noiseSize: NOISE, generatorHidden: [4], discriminatorHidden: [HIDDEN], slope: 0.2,
    dropout: DROPOUT, ema: DECAY, ...options }, { generator: new sg.Generator(9) });
}

const leaky = act.leakyRelu(0.2);
const generate = (p, z, prefix = 'generator') => mlp(p, prefix, 2, z, leaky, act.sigmoid);
/** D's logits; `mask` (rows x HIDDEN, already scaled by 1/keep) multiplies the hidden layer, as dropout does */
function discriminate(p, x, mask = null) {
  const h = linear(x, p['discriminator.layers.0.weight'], p['discriminator.layers.0.bias'], leaky)
    .map((row, i) => (mask === null ? row : row.map((v, j) => v * mask[i][j])));
  return linear(h, p['discriminator.layers.1.weight'], p['discriminator.layers.1.bias']).map((row) => row[0]);
}
/** per-row D losses of the real rows then the fake rows, passed as one batch (one mask of 2n rows) */
function dLosses(p, x, fake, mask = null) {
  const d = discriminate(p, [...x, ...fake], mask);
  return d.map((v, i) => (i < x.length ? softplus(-v) : softplus(v)));
}
const gLosses = (p, fake, mask = null) => discriminate(p, fake, mask).map((d) => softplus(-d));
const dropMask = (rows) => (g) => sg.bernoulli([rows, HIDDEN], 1 - DROPOUT, g, { value: 1 / (1 - DROPOUT) });

/** the next values of `copy` (a peeked generator) for one draw */
function next(copy, rows, cols, draw) {
  const t = draw(copy);
  const values = matrix(t.toArray(), rows, cols);
  t.dispose();
  return values;
}

s('one step: D loss and gradients, then G loss against the updated D and its gradients', () => {
  const model = build();
  const r = rng(31);
  const p = setWeights(model, r);
  const xs = pixels(r, ROWS, IN);
  const x = matrix(xs, ROWS, IN);
  // the draws of one step, in order: z for D's fakes, D's dropout mask, z for G's step, D's mask there
  const { values: z1, generator: copy } = peek(model, ROWS, NOISE, (g) => sg.randn([ROWS, NOISE], g));
  const mask1 = next(copy, 2 * ROWS, HIDDEN, dropMask(2 * ROWS));
  const z2 = next(copy, ROWS, NOISE, (g) => sg.randn([ROWS, NOISE], g));
  const mask2 = next(copy, ROWS, HIDDEN, dropMask(ROWS));
  assert.ok(mask1.flat().some((v) => v === 0) && mask1.flat().some((v) => v > 1), 'dropout drops some units, scales the rest');
  const fake1 = generate(p, z1);
  const got = sg.tidy(() => model.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }));
  // D's loss is the mean over pairs: (Σ real + Σ fake) / n
  const dLoss = (q) => sum(dLosses(q, x, fake1, mask1)) / ROWS;
  assertClose([got.d_loss], [dLoss(p)], { atol: 1e-5, rtol: 1e-5, what: 'd_loss' });
  const grads = readGrads(model);
  const dNames = Object.keys(p).filter((n) => n.startsWith('discriminator.'));
  const gNames = Object.keys(p).filter((n) => n.startsWith('generator.'));
  const wantD = finiteDifferences(dLoss, p, dNames);
  for (const name of dNames) assertClose(grads[name], wantD[name], { atol: 2e-5, rtol: 1e-4, what: name });

  const after = readWeights(model);
  // G's step sees D after its update and G before its own
  const mixed = { ...p };
  for (const name of dNames) mixed[name] = after[name];
  const gLoss = (q) => mean(gLosses(q, generate(q, z2), mask2));
  assertClose([got.g_loss], [gLoss(mixed)], { atol: 1e-5, rtol: 1e-5, what: 'g_loss' });
  const wantG = finiteDifferences(gLoss, mixed, gNames);
  for (const name of gNames) assertClose(grads[name], wantG[name], { atol: 2e-5, rtol: 1e-4, what: name });
  for (const name of gNames) assert.ok(after[name].some((v, i) => v !== p[name][i]), `${name} was updated`);
  // the average moved towards the updated generator; it is a buffer, not a parameter
  for (const name of gNames) {
    const avg = name.replace('generator.', 'average.');
    const want = p[avg].map((v, i) => DECAY * v + (1 - DECAY) * after[name][i]);
    assertClose(after[avg], want, { atol: 1e-6, rtol: 1e-5, what: avg });
  }
  // every parameter requires gradients again after the generator's step
  assert.is(model.module.parameters().length, dNames.length + gNames.length);
});

s('evaluateBatch sums D and G losses over the rows with fresh noise; sample and decode', () => {
  const model = build();
  const r = rng(32);
  const p = setWeights(model, r);
  const xs = pixels(r, ROWS, IN);
  const { values: z } = peek(model, ROWS, NOISE, (g) => sg.randn([ROWS, NOISE], g));
  const fake = generate(p, z);
  model.module.eval();
  const got = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [ROWS, IN]) })));
  assertClose([got.d_loss, got.g_loss], [sum(dLosses(p, matrix(xs, ROWS, IN), fake)), sum(gLosses(p, fake))],
    { atol: 1e-5, rtol: 1e-5, what: 'd_loss, g_loss' });
  sg.tidy(() => {
    const { values: zs } = peek(model, 4, NOISE, (g) => sg.randn([4, NOISE], g));
    const samples = model.sample(4);
    assert.equal(samples.shape, [4, IN]);
    assert.is(samples.requiresGrad, false);
    assertClose(samples.toArray(), generate(p, zs, 'average').flat(), { what: 'sample' });
    const codes = Float32Array.from({ length: 2 * NOISE }, () => r.uniform(-1, 1));
    assertClose(sg.noGrad(() => model.decode(sg.tensor(codes, [2, NOISE]))).toArray(),
      generate(p, matrix(codes, 2, NOISE), 'average').flat(), { what: 'decode' });
    // without the average, samples come from the generator itself
    const raw = build({ ema: 0 });
    const q = setWeights(raw, rng(33));
    assert.not.ok(Object.keys(q).some((n) => n.startsWith('average.')));
    const { values: zr } = peek(raw, 4, NOISE, (g) => sg.randn([4, NOISE], g));
    assertClose(raw.sample(4).toArray(), generate(q, zr).flat(), { what: 'sample without average' });
  });
});

s('bad configs and arguments throw naming what is wrong', () => {
  assertThrows(() => new GAN({ inputSize: 3, noiseSize: 0 }), /gan: noiseSize must be an integer >= 1/);
  assertThrows(() => new GAN({ inputSize: 3, slope: 2 }), /gan: slope must be a number in \[0, 1\]/);
  assertThrows(() => new GAN({ inputSize: 3, beta1: 1 }), /gan: beta1 must be a number in \[0, 1\)/);
  assertThrows(() => new GAN({ inputSize: 3, generatorHidden: 'big' }), /gan: generatorHidden must be an array/);
  assertThrows(() => new GAN({ inputSize: 3, latent: 4 }), /gan: unknown config option latent/);
  assertThrows(() => new GAN({ inputSize: 3, ema: 1 }), /gan: ema must be a number in \[0, 1\)/);
  assertThrows(() => new GAN({ inputSize: 3, dropout: -0.1 }), /gan: dropout/);
  assertThrows(() => new GAN({ inputSize: 3, generatorActivation: 'tanh' }), /gan: generatorActivation must be one of relu, leakyRelu/);
  const model = build();
  sg.tidy(() => {
    assertThrows(() => model.trainStep({ x: sg.zeros([2, 4]) }), /gan: batch.x must be \[rows, 3\], got \[2,4\]/);
    assertThrows(() => model.decode(sg.zeros([2, 3])), /gan.decode: z must be \[rows, 2\]/);
    assertThrows(() => model.sample(-1), /gan.sample: n must be a positive integer/);
  });
});

s.run();
