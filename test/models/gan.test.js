// The GAN against a float64 reference (generator 2-4-3, discriminator 3-3-1, known weights, the engine's own
// noise read back): the discriminator's loss and gradients of its step, the generator's loss (against the
// updated discriminator) and gradients of its step, the discriminator untouched by the generator's step,
// evaluation sums, sample/decode, bad configs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { GAN } from '../../dist/src/models/gan.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import {
  act, finiteDifferences, matrix, mean, mlp, peek, readGrads, readWeights, setWeights, softplus, sum,
} from './reference.js';

const s = suite('models: GAN');
const ROWS = 5;
const IN = 3;
const NOISE = 2;

function build() {
  return new GAN({ inputSize: IN, noiseSize: NOISE, generatorHidden: [4], discriminatorHidden: [3], slope: 0.2 },
    { generator: new sg.Generator(9) });
}

const generate = (p, z) => mlp(p, 'generator', 2, z, act.relu, act.sigmoid);
const discriminate = (p, x) => mlp(p, 'discriminator', 2, x, act.leakyRelu(0.2)).map((row) => row[0]);
const dLosses = (p, x, fake) => [...discriminate(p, x).map((d) => softplus(-d)), ...discriminate(p, fake).map((d) => softplus(d))];
const gLosses = (p, fake) => discriminate(p, fake).map((d) => softplus(-d));

function data(r) {
  return Float32Array.from({ length: ROWS * IN }, () => r.uniform(0, 1));
}

s('one step: D loss and gradients, then G loss against the updated D and its gradients', () => {
  const model = build();
  const r = rng(31);
  const p = setWeights(model, r);
  const xs = data(r);
  const x = matrix(xs, ROWS, IN);
  const first = peek(model, ROWS, NOISE, (g) => sg.randn([ROWS, NOISE], g));
  const z1 = first.values;
  const t2 = sg.randn([ROWS, NOISE], first.generator);
  const z2 = matrix(t2.toArray(), ROWS, NOISE);
  t2.dispose();
  const fake1 = generate(p, z1);
  const got = sg.tidy(() => model.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }));
  // D's loss is the mean over pairs: (Σ real + Σ fake) / n
  const dLoss = (q) => sum(dLosses(q, x, fake1)) / ROWS;
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
  const gLoss = (q) => mean(gLosses(q, generate(q, z2)));
  assertClose([got.g_loss], [gLoss(mixed)], { atol: 1e-5, rtol: 1e-5, what: 'g_loss' });
  const wantG = finiteDifferences(gLoss, mixed, gNames);
  for (const name of gNames) assertClose(grads[name], wantG[name], { atol: 2e-5, rtol: 1e-4, what: name });
  for (const name of gNames) assert.ok(after[name].some((v, i) => v !== p[name][i]), `${name} was updated`);
  // every parameter requires gradients again after the generator's step
  assert.ok(model.module.parameters().length === Object.keys(p).length);
});

s('evaluateBatch sums D and G losses over the rows with fresh noise; sample and decode', () => {
  const model = build();
  const r = rng(32);
  const p = setWeights(model, r);
  const xs = data(r);
  const { values: z } = peek(model, ROWS, NOISE, (g) => sg.randn([ROWS, NOISE], g));
  const fake = generate(p, z);
  const got = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [ROWS, IN]) })));
  assertClose([got.d_loss, got.g_loss], [sum(dLosses(p, matrix(xs, ROWS, IN), fake)), sum(gLosses(p, fake))],
    { atol: 1e-5, rtol: 1e-5, what: 'd_loss, g_loss' });
  sg.tidy(() => {
    const { values: zs } = peek(model, 4, NOISE, (g) => sg.randn([4, NOISE], g));
    const samples = model.sample(4);
    assert.equal(samples.shape, [4, IN]);
    assert.is(samples.requiresGrad, false);
    assertClose(samples.toArray(), generate(p, zs).flat(), { what: 'sample' });
    const codes = Float32Array.from({ length: 2 * NOISE }, () => r.uniform(-1, 1));
    assertClose(sg.noGrad(() => model.decode(sg.tensor(codes, [2, NOISE]))).toArray(),
      generate(p, matrix(codes, 2, NOISE)).flat(), { what: 'decode' });
  });
});

s('bad configs and arguments throw naming what is wrong', () => {
  assertThrows(() => new GAN({ inputSize: 3, noiseSize: 0 }), /gan: noiseSize must be an integer >= 1/);
  assertThrows(() => new GAN({ inputSize: 3, slope: 2 }), /gan: slope must be a number in \[0, 1\]/);
  assertThrows(() => new GAN({ inputSize: 3, beta1: 1 }), /gan: beta1 must be a number in \[0, 1\)/);
  assertThrows(() => new GAN({ inputSize: 3, generatorHidden: 'big' }), /gan: generatorHidden must be an array/);
  assertThrows(() => new GAN({ inputSize: 3, latent: 4 }), /gan: unknown config option latent/);
  const model = build();
  sg.tidy(() => {
    assertThrows(() => model.trainStep({ x: sg.zeros([2, 4]) }), /gan: batch.x must be \[rows, 3\], got \[2,4\]/);
    assertThrows(() => model.decode(sg.zeros([2, 3])), /gan.decode: z must be \[rows, 2\]/);
    assertThrows(() => model.sample(-1), /gan.sample: n must be a positive integer/);
  });
});

s.run();
