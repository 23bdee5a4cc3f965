// The registry: the default config of each kind (the DESIGN.md sizes), createModel rebuilding a model from its
// saved config, and a checkpoint-style round trip (weights, optimizer state, generator) that continues training
// exactly like the original; unknown kinds and bad configs throw.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { MODEL_KINDS, createModel, defaultConfig, disposeModel } from '../../dist/src/models/registry.js';
import { assertThrows, rng } from '../helpers.js';

const s = suite('models: registry');

const SMALL = {
  ae: { kind: 'ae', inputSize: 6, hidden: [5], latent: 2 },
  dae: { kind: 'dae', inputSize: 6, hidden: [5], latent: 2, noise: 'gaussian', noiseLevel: 0.2 },
  vae: { kind: 'vae', inputSize: 6, hidden: [5, 4], latent: 2, beta: 0.7 },
  gan: { kind: 'gan', inputSize: 6, noiseSize: 3, generatorHidden: [5], discriminatorHidden: [4] },
  supervised: { kind: 'supervised', inputSize: 6, hidden: [5], classes: 3, labelledBatchSize: 4 },
  ladder: { kind: 'ladder', inputSize: 6, hidden: [5, 4], classes: 3, labelledBatchSize: 4, decayStart: 2, decayEnd: 6 },
  gamma: { kind: 'gamma', inputSize: 6, hidden: [5], classes: 3, labelledBatchSize: 4 },
  ssae: { kind: 'ssae', inputSize: 6, hidden: [5], code: 2, classes: 3, labelledBatchSize: 4 },
  ssgan: { kind: 'ssgan', inputSize: 6, noiseSize: 3, generatorHidden: [5], discriminatorHidden: [4, 3], classes: 3,
    labelledBatchSize: 4 },
  m1: { kind: 'm1', inputSize: 6, hidden: [5], latent: 2, classes: 3, classifierHidden: [4], labelledBatchSize: 3 },
  m1m2: { kind: 'm1m2', inputSize: 6, m1Hidden: [5], m1Latent: 3, m1Steps: 2, classes: 3, latent: 2, classifierHidden: [4], encoderHidden: [4], decoderHidden: [4], labelledBatchSize: 3 },
  vime: { kind: 'vime', inputSize: 6, hidden: [5], predictorHidden: [4], classes: 3, labelledBatchSize: 4, selfSteps: 2 },
  m2: { kind: 'm2', inputSize: 6, classes: 3, latent: 2, classifierHidden: [4], encoderHidden: [5], decoderHidden: [4, 5], labelledBatchSize: 3 },
};

s('kinds and default configs', () => {
  assert.equal([...MODEL_KINDS].slice(0, 5), ['ae', 'dae', 'vae', 'gan', 'supervised']);
  for (const kind of MODEL_KINDS) assert.ok(SMALL[kind], `a small config of ${kind} for the round-trip test`);
  assert.equal(defaultConfig('vae'), {
    kind: 'vae', inputSize: 784, hidden: [512, 256], latent: 32, beta: 1, activation: 'relu', lr: 1e-3, likelihood: { kind: 'bernoulli' },
  });
  const gan = defaultConfig('gan');
  assert.equal([gan.noiseSize, gan.generatorHidden], [100, [500, 500]]);
  assert.equal(defaultConfig('dae', 64, { noise: 'gaussian' }).inputSize, 64);
  assert.is(defaultConfig('ae', 10, { latent: 3 }).latent, 3);
  const m2 = defaultConfig('m2');
  assert.equal([m2.classifierHidden, m2.encoderHidden, m2.decoderHidden, m2.latent, m2.classes, m2.labelledBatchSize,
    m2.classifierDropout], [[500, 500], [500, 500], [500, 500], 50, 10, 100, 0]);
  const m1 = defaultConfig('m1');
  assert.equal([m1.hidden, m1.latent, m1.activation, m1.classifierHidden], [[600, 600], 50, 'softplus', []]);
  const m1m2 = defaultConfig('m1m2');
  assert.equal([m1m2.m1Hidden, m1m2.m1Latent, m1m2.m1Steps, m1m2.encoderHidden], [[600, 600], 50, 60000, [500]]);
});

/** rows of inputs; with `labelled` rows, also a labelled part (semi-supervised kinds) */
function batch(r, rows = 8, labelled = 0) {
  const x = sg.tensor(Float32Array.from({ length: rows * 6 }, () => r.uniform(0, 1)), [rows, 6]);
  if (labelled === 0) return { x };
  const lx = sg.tensor(Float32Array.from({ length: labelled * 6 }, () => r.uniform(0, 1)), [labelled, 6]);
  return { x, labelled: { x: lx, labels: sg.tensor(Float32Array.from({ length: labelled }, (_, i) => i % 3), [labelled]) } };
}

for (const kind of MODEL_KINDS) {
  s(`${kind}: rebuilt from its config with the saved state, it continues exactly like the original`, () => {
    const r = rng(40);
    const a = createModel(SMALL[kind], { generator: new sg.Generator(5) });
    const labelled = a.labelledBatchSize ?? 0;
    for (let i = 0; i < 3; i++) sg.tidy(() => a.trainStep(batch(r, 8, labelled)));
    const saved = {
      config: JSON.parse(JSON.stringify(a.config)),
      weights: a.module.stateDict(),
      optimizers: Object.fromEntries(Object.entries(a.optimizers).map(([k, o]) => [k, o.getState()])),
      generator: a.generator.getState(),
    };
    assert.is(saved.config.kind, kind);
    const b = createModel(saved.config, { generator: new sg.Generator(77) });
    b.module.loadStateDict(saved.weights);
    for (const [k, state] of Object.entries(saved.optimizers)) b.optimizers[k].setState(state);
    b.generator.setState(saved.generator);
    const next = batch(r, 8, labelled);
    const ma = sg.tidy(() => a.trainStep(next));
    const mb = sg.tidy(() => b.trainStep(next));
    assert.equal(mb, ma);
    const wa = a.module.stateDict();
    const wb = b.module.stateDict();
    assert.equal(Object.keys(wb), Object.keys(wa));
    for (const name of Object.keys(wa)) assert.equal(wb[name].data, wa[name].data, name);
    disposeModel(a);
    disposeModel(b);
  });
}

s('unknown kinds and bad configs throw naming what is wrong', () => {
  assertThrows(() => createModel({ kind: 'm3', inputSize: 4 }), /unknown model kind "m3" \(expected one of: ae, dae, vae, gan, supervised/);
  assertThrows(() => createModel(null), /createModel: config must be an object/);
  assertThrows(() => defaultConfig('toString'), /unknown model kind "toString"/);
  assertThrows(() => createModel({ kind: 'vae', inputSize: 784, hidden: [512, 256], lattent: 2 }), /vae: unknown config option lattent/);
  assertThrows(() => createModel({ kind: 'gan', inputSize: -1 }), /gan: inputSize must be a positive integer, got -1/);
  assertThrows(() => createModel({ kind: 'ae', inputSize: 4 }, { generator: 42 }), /ae: generator must be a Generator/);
});

s.run();
