// The autoencoder and the denoising autoencoder against a float64 reference (4-3-2 with known weights): the
// training loss and gradients, missing inputs masked, the noise (Gaussian, masking) reproduced from the same
// generator stream, evaluation on the clean input, encode / decode / reconstruct, bad configs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { Autoencoder } from '../../dist/src/models/ae.js';
import { DenoisingAutoencoder } from '../../dist/src/models/dae.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { act, bceRow, finiteDifferences, matrix, mean, mlp, peek, pixels, readGrads, setWeights, sum } from './reference.js';

const s = suite('models: AE and DAE');
const ROWS = 6;
const IN = 4;

/** per-row BCE of decoder(encoder(input)) against x; NaN inputs read as 0 by the encoder */
function rowLosses(p, x, input = x) {
  const clean = input.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
  const logits = mlp(p, 'decoder', 2, mlp(p, 'encoder', 2, clean, act.relu), act.relu);
  return logits.map((l, i) => bceRow(l, x[i]));
}

function config(extra = {}) {
  return { inputSize: IN, hidden: [3], latent: 2, ...extra };
}

s('AE: training loss and all gradients match float64, missing inputs masked', () => {
  const model = new Autoencoder(config(), { generator: new sg.Generator(1) });
  const r = rng(21);
  const p = setWeights(model, r);
  const xs = pixels(r, ROWS, IN, [[1, 2], [4, 0]]);
  const x = matrix(xs, ROWS, IN);
  const loss = sg.tidy(() => model.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }).loss);
  assertClose([loss], [mean(rowLosses(p, x))], { atol: 1e-5, rtol: 1e-5, what: 'loss' });
  const want = finiteDifferences((q) => mean(rowLosses(q, x)), p, Object.keys(p));
  const got = readGrads(model);
  for (const name of Object.keys(p)) assertClose(got[name], want[name], { atol: 2e-5, rtol: 1e-4, what: name });
});

s('AE: evaluateBatch sums the rows; encode, decode and reconstruct', () => {
  const model = new Autoencoder(config(), { generator: new sg.Generator(2) });
  const r = rng(22);
  const p = setWeights(model, r);
  const xs = pixels(r, ROWS, IN);
  const x = matrix(xs, ROWS, IN);
  sg.noGrad(() => sg.tidy(() => {
    assertClose([model.evaluateBatch({ x: sg.tensor(xs, [ROWS, IN]) }).loss], [sum(rowLosses(p, x))],
      { atol: 1e-5, rtol: 1e-5, what: 'evaluation loss' });
    const code = mlp(p, 'encoder', 2, x, act.relu);
    assertClose(model.encode(sg.tensor(xs, [ROWS, IN])).toArray(), code.flat(), { what: 'encode' });
    const recon = mlp(p, 'decoder', 2, code, act.relu, act.sigmoid);
    assertClose(model.reconstruct(sg.tensor(xs, [ROWS, IN])).toArray(), recon.flat(), { what: 'reconstruct' });
    assert.equal(model.decode(sg.tensor(code.flat(), [ROWS, 2])).shape, [ROWS, IN]);
  }));
});

for (const noise of ['gaussian', 'masking']) {
  s(`DAE (${noise}): the loss of the corrupted input against the clean one, gradients, clean evaluation`, () => {
    const model = new DenoisingAutoencoder(config({ noise, noiseLevel: 0.4 }), { generator: new sg.Generator(3) });
    const r = rng(23);
    const p = setWeights(model, r);
    const xs = pixels(r, ROWS, IN, [[0, 0]]);
    const x = matrix(xs, ROWS, IN);
    const clean = x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
    const { values: drawn } = peek(model, ROWS, IN, (g) => noise === 'gaussian'
      ? sg.randn([ROWS, IN], g, { std: 0.4 }) : sg.bernoulli([ROWS, IN], 0.6, g));
    const corrupted = clean.map((row, i) => row.map((v, j) => (noise === 'gaussian' ? v + drawn[i][j] : v * drawn[i][j])));
    if (noise === 'masking') {
      const dropped = drawn.flat().filter((m) => m === 0).length;
      assert.ok(dropped > 0 && dropped < ROWS * IN, `some inputs masked, not all (${dropped})`);
    }
    const loss = sg.tidy(() => model.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }).loss);
    assertClose([loss], [mean(rowLosses(p, x, corrupted))], { atol: 1e-5, rtol: 1e-5, what: 'loss' });
    const want = finiteDifferences((q) => mean(rowLosses(q, x, corrupted)), p, Object.keys(p));
    const got = readGrads(model);
    for (const name of Object.keys(p)) assertClose(got[name], want[name], { atol: 2e-5, rtol: 1e-4, what: name });
    const after = Object.fromEntries(Object.entries(model.module.stateDict()).map(([k, v]) => [k, Float64Array.from(v.data)]));
    const evaluated = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [ROWS, IN]) }).loss));
    assertClose([evaluated], [sum(rowLosses(after, x))], { atol: 1e-5, rtol: 1e-5, what: 'clean evaluation' });
  });
}

s('DAE: noise level 0 trains exactly like the AE', () => {
  const a = new Autoencoder(config(), { generator: new sg.Generator(4) });
  const d = new DenoisingAutoencoder(config({ noise: 'gaussian', noiseLevel: 0 }), { generator: new sg.Generator(4) });
  const xs = pixels(rng(24), ROWS, IN);
  const la = sg.tidy(() => a.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }).loss);
  const ld = sg.tidy(() => d.trainStep({ x: sg.tensor(xs, [ROWS, IN]) }).loss);
  assert.is(ld, la);
});

s('bad configs and batches throw naming what is wrong', () => {
  assertThrows(() => new Autoencoder({ inputSize: 4, latent: 1.5 }), /ae: latent must be an integer/);
  assertThrows(() => new Autoencoder({ inputSize: 4, activation: 'gelu' }), /ae: activation must be one of relu/);
  assertThrows(() => new Autoencoder({ inputSize: 4, noise: 'gaussian' }), /ae: unknown config option noise/);
  assertThrows(() => new DenoisingAutoencoder({ inputSize: 4, noise: 'salt' }), /dae: noise must be one of gaussian, masking/);
  assertThrows(() => new DenoisingAutoencoder({ inputSize: 4, noise: 'masking', noiseLevel: 1 }), /dae: noiseLevel must be a number in \[0, 1\)/);
  assertThrows(() => new DenoisingAutoencoder({ inputSize: 4, noise: 'gaussian', noiseLevel: -0.1 }), /dae: noiseLevel/);
  const model = new Autoencoder(config());
  sg.tidy(() => {
    assertThrows(() => model.trainStep({ x: sg.zeros([3]) }), /ae: batch.x must be \[rows, 4\], got \[3\]/);
    assertThrows(() => model.encode(sg.zeros([2, 3])), /ae.encode: x must be \[rows, 4\]/);
    assertThrows(() => model.decode(sg.zeros([2, 4])), /ae.decode: z must be \[rows, 2\]/);
  });
});

s.run();
