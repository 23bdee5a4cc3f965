// The VAE against a float64 reference: a 4-3-2 model with known weights and the same eps the engine draws; the
// training loss and every parameter's gradient, the anchor's -ELBO in evaluation, missing inputs, encode,
// decode and sample.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { VAE } from '../../dist/src/models/vae.js';
import { assertClose, rng } from '../helpers.js';
import {
  act, bceRow, finiteDifferences, klRow, linear, matrix, mean, mlp, peek, pixels, readGrads, setWeights, sum,
} from './reference.js';

const s = suite('models: VAE');
const ROWS = 5;
const IN = 4;
const LATENT = 2;

function build(options = {}) {
  return new VAE({ inputSize: IN, hidden: [3], latent: LATENT, ...options }, { generator: new sg.Generator(11) });
}

/** per-row BCE and KL of the reference VAE at weights p, inputs x (rows) and noise eps (rows) */
function terms(p, x, eps) {
  const clean = x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
  const h = mlp(p, 'encoder', 1, clean, act.relu, act.relu);
  const mu = linear(h, p['mu.weight'], p['mu.bias']);
  const lv = linear(h, p['logvar.weight'], p['logvar.bias']);
  const z = mu.map((row, i) => row.map((m, j) => m + eps[i][j] * Math.exp(lv[i][j] / 2)));
  const logits = mlp(p, 'decoder', 2, z, act.relu);
  return { bce: logits.map((l, i) => bceRow(l, x[i])), kl: mu.map((m, i) => klRow(m, lv[i])) };
}

function referenceLoss(p, x, eps, beta) {
  const { bce, kl } = terms(p, x, eps);
  return mean(bce.map((b, i) => b + beta * kl[i]));
}

for (const [beta, missing] of [[1, []], [0.5, [[0, 1], [3, 3], [3, 0]]]]) {
  s(`training loss and all gradients match float64 (beta ${beta}, ${missing.length} missing inputs)`, () => {
    const model = build({ beta });
    const r = rng(3);
    const p = setWeights(model, r);
    const xs = pixels(r, ROWS, IN, missing);
    const x = matrix(xs, ROWS, IN);
    const { values: eps } = peek(model, ROWS, LATENT, (g) => sg.randn([ROWS, LATENT], g));
    const loss = sg.tidy(() => model.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }).loss);
    const expected = referenceLoss(p, x, eps, beta);
    assertClose([loss], [expected], { atol: 1e-5, rtol: 1e-5, what: 'loss' });
    const f = (q) => referenceLoss(q, x, eps, beta);
    const want = finiteDifferences(f, p, Object.keys(p));
    const got = readGrads(model);
    for (const name of Object.keys(p)) assertClose(got[name], want[name], { atol: 2e-5, rtol: 1e-4, what: name });
  });
}

s('evaluateBatch: Σ rows of (BCE + KL) with beta 1 and one sample of z, whatever the training beta', () => {
  const model = build({ beta: 3 });
  const r = rng(5);
  const p = setWeights(model, r);
  const xs = pixels(r, ROWS, IN);
  const { values: eps } = peek(model, ROWS, LATENT, (g) => sg.randn([ROWS, LATENT], g));
  model.module.eval();
  const got = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [ROWS, IN]) })));
  const { bce, kl } = terms(p, matrix(xs, ROWS, IN), eps);
  assertClose([got.neg_elbo, got.reconstruction, got.kl], [sum(bce) + sum(kl), sum(bce), sum(kl)],
    { atol: 1e-5, rtol: 1e-5, what: 'neg_elbo, reconstruction, kl' });
});

s('encode is mu, decode is sigmoid(logits), sample(n) decodes z ~ N(0, I) from the generator', () => {
  const model = build();
  const r = rng(8);
  const p = setWeights(model, r);
  const xs = pixels(r, ROWS, IN, [[2, 2]]);
  const x = matrix(xs, ROWS, IN).map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
  sg.tidy(() => sg.noGrad(() => {
    const mu = linear(mlp(p, 'encoder', 1, x, act.relu, act.relu), p['mu.weight'], p['mu.bias']);
    assertClose(model.encode(sg.tensor(xs, [ROWS, IN])).toArray(), mu.flat(), { what: 'encode' });
    const zs = Float32Array.from({ length: ROWS * LATENT }, () => r.uniform(-2, 2));
    const decoded = mlp(p, 'decoder', 2, matrix(zs, ROWS, LATENT), act.relu, act.sigmoid);
    assertClose(model.decode(sg.tensor(zs, [ROWS, LATENT])).toArray(), decoded.flat(), { what: 'decode' });
    const { values: z } = peek(model, 3, LATENT, (g) => sg.randn([3, LATENT], g));
    const samples = model.sample(3);
    assert.equal(samples.shape, [3, IN]);
    assert.is(samples.requiresGrad, false);
    assertClose(samples.toArray(), mlp(p, 'decoder', 2, z, act.relu, act.sigmoid).flat(), { what: 'sample' });
  }));
});

s('bad configs, batches and arguments throw naming what is wrong', async () => {
  const { assertThrows } = await import('../helpers.js');
  assertThrows(() => new VAE({ inputSize: 0 }), /vae: inputSize/);
  assertThrows(() => new VAE({ inputSize: 4, latent: 0 }), /vae: latent must be an integer >= 1, got 0/);
  assertThrows(() => new VAE({ inputSize: 4, hidden: [] }), /vae: hidden/);
  assertThrows(() => new VAE({ inputSize: 4, hidden: [3, -1] }), /vae: hidden must be an array of positive integers/);
  assertThrows(() => new VAE({ inputSize: 4, beta: -1 }), /vae: beta/);
  assertThrows(() => new VAE({ inputSize: 4, lr: 0 }), /vae: lr/);
  assertThrows(() => new VAE({ inputSize: 4, latnet: 3 }), /vae: unknown config option latnet/);
  assertThrows(() => new VAE({ kind: 'gan', inputSize: 4 }), /config is for kind 'gan'/);
  const model = build();
  sg.tidy(() => {
    assertThrows(() => model.trainStep({ x: sg.zeros([2, 5]) }), /vae: batch.x must be \[rows, 4\], got \[2,5\]/);
    assertThrows(() => model.trainStep({}), /vae: batch.x must be a Tensor/);
    assertThrows(() => model.decode(sg.zeros([2, 3])), /vae.decode: z must be \[rows, 2\]/);
    assertThrows(() => model.sample(0), /vae.sample: n must be a positive integer/);
  });
});

s.run();
