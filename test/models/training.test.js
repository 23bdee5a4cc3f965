// Short training runs on structured data learn: 8x8 images of one horizontal or vertical bar (16 patterns).
// The autoencoders and the VAE cut their evaluation loss well below the untrained model's; the GAN's samples move
// from noise to near the patterns (distance to the nearest pattern), and training keeps memory flat.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { createModel, disposeModel } from '../../dist/src/models/registry.js';
import { rng } from '../helpers.js';

const s = suite('models: short runs learn');
const SIDE = 8;
const PIXELS = SIDE * SIDE;

/** The 16 bar images: row i lit, or column i lit. */
const PATTERNS = Array.from({ length: 2 * SIDE }, (_, p) => {
  const img = new Float32Array(PIXELS);
  for (let i = 0; i < SIDE; i++) img[p < SIDE ? p * SIDE + i : i * SIDE + (p - SIDE)] = 1;
  return img;
});

function bars(r, rows) {
  const x = new Float32Array(rows * PIXELS);
  for (let i = 0; i < rows; i++) x.set(PATTERNS[r.int(PATTERNS.length)], i * PIXELS);
  return sg.tensor(x, [rows, PIXELS]);
}

function evaluate(model, x, key) {
  model.module.eval();
  const v = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x })[key])) / x.rows;
  model.module.train();
  return v;
}

const AUTOENCODERS = [
  ['ae', { hidden: [32], latent: 4, lr: 1e-2 }, 'loss'],
  ['dae', { hidden: [32], latent: 4, lr: 1e-2, noise: 'masking', noiseLevel: 0.2 }, 'loss'],
  ['vae', { hidden: [32], latent: 4, lr: 1e-2 }, 'neg_elbo'],
];

for (const [kind, options, key] of AUTOENCODERS) {
  s(`${kind}: 300 steps cut the test ${key} below a fifth of the untrained model's`, () => {
    const r = rng(50);
    const model = createModel({ kind, inputSize: PIXELS, ...options }, { generator: new sg.Generator(6) });
    const test = sg.keep(bars(rng(51), 256));
    const before = evaluate(model, test, key);
    const live = sg.liveTensors();
    for (let i = 0; i < 300; i++) sg.tidy(() => model.trainStep({ x: bars(r, 32) }));
    assert.is(sg.liveTensors(), live, 'no tensor leaks from trainStep');
    const after = evaluate(model, test, key);
    assert.ok(after < before / 5, `${key} ${before.toFixed(2)} -> ${after.toFixed(2)}`);
    test.dispose();
    disposeModel(model);
  });
}

/** mean over samples of the squared distance to the nearest pattern, per pixel */
function distanceToPatterns(samples) {
  const v = samples.toArray();
  let total = 0;
  for (let i = 0; i < samples.rows; i++) {
    let best = Infinity;
    for (const p of PATTERNS) {
      let d = 0;
      for (let j = 0; j < PIXELS; j++) d += (v[i * PIXELS + j] - p[j]) ** 2;
      best = Math.min(best, d);
    }
    total += best;
  }
  return total / samples.rows / PIXELS;
}

s('gan: 600 steps bring the samples from noise to near the bar patterns', () => {
  const r = rng(52);
  const model = createModel({ kind: 'gan', inputSize: PIXELS, noiseSize: 8, generatorHidden: [64],
    discriminatorHidden: [64], lr: 2e-3, ema: 0.9 }, { generator: new sg.Generator(7) });
  const before = sg.tidy(() => distanceToPatterns(model.sample(200)));
  const live = sg.liveTensors();
  for (let i = 0; i < 600; i++) {
    const m = sg.tidy(() => model.trainStep({ x: bars(r, 32) }));
    assert.ok(Number.isFinite(m.d_loss) && Number.isFinite(m.g_loss), `finite losses at step ${i}`);
  }
  assert.is(sg.liveTensors(), live, 'no tensor leaks from trainStep');
  const after = sg.tidy(() => distanceToPatterns(model.sample(200)));
  assert.ok(after < before / 5, `distance ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  disposeModel(model);
});

s.run();
