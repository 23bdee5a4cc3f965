// Reproducibility: the same seed gives bit-identical parameters after N training steps (two runs in one process,
// fresh Generators), different seeds differ, Generator state save/restore continues the same stream, and a
// snapshot of (model, optimizer, generator) state resumes a run exactly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { philoxNormal, philoxUniform } from '../reference/philox.js';

const s = suite('engine: reproducibility');

/**
 * A run: MLP 12-16-3 with dropout, AdamW or Nesterov SGD, a reparameterised output; the data come from a
 * Generator seeded `dataSeed` (default: seed), the initial weights, dropout masks and noise from one seeded `seed`.
 */
function makeRun(seed, { init = 'default', optimizer = 'adam', dataSeed = seed } = {}) {
  const gen = new sg.Generator(seed);
  const x = sg.keep(sg.randn([24, 12], new sg.Generator(dataSeed)));
  const y = sg.keep(sg.tensor(Float32Array.from({ length: 24 }, (_, i) => (i * 5) % 3), [24]));
  const model = new sg.MLP([12, 16, 3], { dropout: 0.3, generator: gen, init });
  const opt = optimizer === 'adam' ? new sg.AdamW(model.parameters(), { lr: 0.01 })
    : new sg.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
  const step = () => sg.tidy(() => {
    opt.zeroGrad();
    const z = sg.reparameterize(model.forward(x), sg.full([24, 3], -2), gen);
    sg.mean(sg.softmaxCrossEntropy(z, y)).backward();
    opt.step();
  });
  const params = () => model.parameters().map((p) => p.toArray());
  const dispose = () => {
    opt.dispose();
    model.dispose();
    sg.dispose([x, y]);
  };
  return { gen, model, opt, step, params, dispose };
}

function train(seed, steps, options) {
  const run = makeRun(seed, options);
  for (let i = 0; i < steps; i++) run.step();
  const p = run.params();
  run.dispose();
  return p;
}

function bitsEqual(a, b) {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

s('the same seed gives bit-identical parameters after 50 steps (Adam and SGD, each init)', () => {
  for (const options of [{}, { init: 'xavier' }, { init: 'kaiming', optimizer: 'sgd' }]) {
    const a = train(1234, 50, options);
    const b = train(1234, 50, options);
    a.forEach((p, i) => assert.ok(bitsEqual(p, b[i]), `${JSON.stringify(options)}: parameter ${i} differs between two runs`));
  }
});

s('different seeds give different parameters', () => {
  const a = train(1, 5);
  const b = train(2, 5);
  a.forEach((p, i) => assert.ok(!bitsEqual(p, b[i]), `parameter ${i} is the same for seeds 1 and 2`));
});

s('a draw of n elements advances the stream by ceil(n / 4) counters; two draws equal one longer draw', () => {
  const g = new sg.Generator(42);
  const [a, b, c] = sg.tidy(() => [sg.rand([8], g), sg.rand([2, 4], g), sg.rand([5], g)].map((t) => t.toArray()));
  assert.is(g.offset, 2 + 2 + 2);
  const whole = sg.tidy(() => sg.rand([16], new sg.Generator(42)).toArray());
  assert.equal(Array.from(a), Array.from(whole.subarray(0, 8)));
  assert.equal(Array.from(b), Array.from(whole.subarray(8, 16)));
  // the uniform stream is kernels.h's exactly: (word >> 8) 2^-24 of Philox4x32-10 (seed, counter)
  assert.equal(Array.from(c), Array.from(philoxUniform(42, 4, 5)), 'rand matches the Philox reference');
});

s('Generator getState / setState continues the same stream (also in a fresh Generator)', () => {
  const g = new sg.Generator(7);
  sg.tidy(() => sg.randn([13], g));
  const saved = g.getState();
  assert.equal(saved, { seed: 7, offset: 4 });
  const [first, second] = sg.tidy(() => [sg.randn([9], g).toArray(), sg.rand([3, 3], g).toArray()]);
  g.setState(saved);
  const [again1, again2] = sg.tidy(() => [sg.randn([9], g).toArray(), sg.rand([3, 3], g).toArray()]);
  assert.ok(bitsEqual(first, again1) && bitsEqual(second, again2), 'the restored generator repeats the stream');
  const h = new sg.Generator(99);
  h.setState(saved);
  const fresh = sg.tidy(() => sg.randn([9], h).toArray());
  assert.ok(bitsEqual(first, fresh), 'a fresh generator given the state repeats it too');
  const ref = philoxNormal(7, 4, 9);
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(first[i] - ref[i]) <= 1e-5 * (1 + Math.abs(ref[i])), `normal ${i}: ${first[i]} vs ${ref[i]}`);
  // manualSeed restarts the stream at (seed, 0)
  g.manualSeed(7);
  assert.equal(g.getState(), { seed: 7, offset: 0 });
});

s('manualSeed on the default generator makes default-initialised layers repeat', () => {
  sg.manualSeed(31);
  const a = new sg.Linear(5, 4);
  sg.manualSeed(31);
  const b = new sg.Linear(5, 4);
  assert.ok(bitsEqual(a.weight.toArray(), b.weight.toArray()) && bitsEqual(a.bias.toArray(), b.bias.toArray()));
  const c = new sg.Linear(5, 4);
  assert.ok(!bitsEqual(a.weight.toArray(), c.weight.toArray()), 'the stream moved on');
  [a, b, c].forEach((m) => m.dispose());
});

s('a snapshot of model, optimizer and generator state resumes a run exactly', () => {
  const straight = makeRun(77);
  for (let i = 0; i < 10; i++) straight.step();
  const snapshot = { model: straight.model.stateDict(), opt: straight.opt.getState(), gen: straight.gen.getState() };
  for (let i = 0; i < 10; i++) straight.step();
  const expected = straight.params();
  straight.dispose();

  // another seed for the weights and noise: everything but the data comes from the snapshot
  const resumed = makeRun(5, { dataSeed: 77 });
  resumed.model.loadStateDict(snapshot.model);
  resumed.opt.setState(snapshot.opt);
  resumed.gen.setState(snapshot.gen);
  assert.is(resumed.opt.steps, 10);
  for (let i = 0; i < 10; i++) resumed.step();
  const got = resumed.params();
  expected.forEach((p, i) => assert.ok(bitsEqual(p, got[i]), `parameter ${i} differs after resuming`));
  resumed.dispose();
});

s.run();
